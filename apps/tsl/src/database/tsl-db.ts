import type { PrismaClient } from '../generated/prisma/client';

/** The only handle on the `tsl` schema (provided by PrismaModule in tsl.module.ts); repositories are its only users. */
export const TSL_DB = Symbol('TSL_DB');
export type TslDb = PrismaClient;
