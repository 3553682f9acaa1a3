import type { PrismaClient } from '../generated/prisma/client';

/** The only handle on the `shadow` schema (provided by PrismaModule in shadow.module.ts); repositories are its only users. */
export const SHADOW_DB = Symbol('SHADOW_DB');
export type ShadowDb = PrismaClient;
