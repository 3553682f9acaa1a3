import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, HealthRegistry } from '@iot/runtime';
import { AUTH_CONFIG, type AuthConfig } from '../config/auth.env';
import { PrismaClient } from '../generated/prisma/client';
import { SecretBox } from '../secrets/secret-box';

/** The only handle on the `auth` schema; repositories are its only users. */
export const AUTH_DB = Symbol('AUTH_DB');
export type AuthDb = PrismaClient;

@Global()
@Module({
  providers: [
    {
      provide: AUTH_DB,
      inject: [AUTH_CONFIG, HealthRegistry],
      useFactory: (config: AuthConfig, health: HealthRegistry): AuthDb => {
        const db = createPrismaClient(PrismaClient, config.DATABASE_URL, 'auth');
        health.register('database', async () => (await db.$queryRaw<unknown[]>`SELECT 1`).length === 1);
        return db;
      },
    },
    {
      provide: SecretBox,
      inject: [AUTH_CONFIG],
      useFactory: (config: AuthConfig) => new SecretBox(config.IOT_SECRET_KEY),
    },
  ],
  exports: [AUTH_DB, SecretBox],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(AUTH_DB) private readonly db: AuthDb) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.$disconnect();
  }
}
