import { PrismaPg } from '@prisma/adapter-pg';

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
