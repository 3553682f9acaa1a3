import { Global, Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { HealthRegistry } from './health';

/** What the module needs of an app's generated Prisma client. */
export interface PrismaLike {
  $queryRawUnsafe<T = unknown>(query: string): Promise<T>;
  $disconnect(): Promise<void>;
}

/**
 * Builds an app's Prisma client on the pg driver adapter, bound to the app's own Postgres schema
 * (each bounded context owns one schema; no service reads another's tables).
 */
export function createPrismaClient<T>(
  Client: new (options: { adapter: PrismaPg }) => T,
  databaseUrl: string,
  schema: string,
): T {
  return new Client({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }, { schema }) });
}

const CLIENT = Symbol('PRISMA_CLIENT');

/**
 * An app's database handle as a global provider under `token`: its readiness reported as `database`,
 * its connections closed on shutdown. Repositories are its only users.
 */
@Global()
@Module({})
export class PrismaModule implements OnApplicationShutdown {
  constructor(@Inject(CLIENT) private readonly client: PrismaLike) {}

  static forApp<T extends PrismaLike>(options: {
    token: symbol;
    client: new (options: { adapter: PrismaPg }) => T;
    databaseUrl: string;
    schema: string;
  }): DynamicModule {
    return {
      module: PrismaModule,
      providers: [
        {
          provide: options.token,
          inject: [HealthRegistry],
          useFactory: (health: HealthRegistry): T => {
            const db = createPrismaClient(options.client, options.databaseUrl, options.schema);
            health.register('database', async () => (await db.$queryRawUnsafe<unknown[]>('SELECT 1')).length === 1);
            return db;
          },
        },
        { provide: CLIENT, useExisting: options.token },
      ],
      exports: [options.token],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client.$disconnect();
  }
}
