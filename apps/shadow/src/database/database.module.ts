import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { createPrismaClient, HealthRegistry } from '@iot/runtime';
import { SHADOW_CONFIG, type ShadowConfig } from '../config/shadow.env';
import { PrismaClient } from '../generated/prisma/client';

/** The only handle on the `shadow` schema; repositories are its only users. */
export const SHADOW_DB = Symbol('SHADOW_DB');
export type ShadowDb = PrismaClient;

@Global()
@Module({
  providers: [
    {
      provide: SHADOW_DB,
      inject: [SHADOW_CONFIG, HealthRegistry],
      useFactory: (config: ShadowConfig, health: HealthRegistry): ShadowDb => {
        const db = createPrismaClient(PrismaClient, config.DATABASE_URL, 'shadow');
        health.register('database', async () => (await db.$queryRaw<unknown[]>`SELECT 1`).length === 1);
        return db;
      },
    },
  ],
  exports: [SHADOW_DB],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(SHADOW_DB) private readonly db: ShadowDb) {}

  async onApplicationShutdown(): Promise<void> {
    await this.db.$disconnect();
  }
}
