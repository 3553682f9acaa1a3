import type { PrismaClient } from '../generated/prisma/client';

/** The only handle on the `ota` schema (provided by PrismaModule in ota.module.ts); repositories are its only users. */
export const OTA_DB = Symbol('OTA_DB');
export type OtaDb = PrismaClient;
