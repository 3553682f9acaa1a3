import type { PrismaClient } from '../generated/prisma/client';

/** The only handle on the `rules` schema (provided by PrismaModule in rules.module.ts); repositories are its only users. */
export const RULES_DB = Symbol('RULES_DB');
export type RulesDb = PrismaClient;
