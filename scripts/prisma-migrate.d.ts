// @prisma/migrate ships without its declaration files; this is the part scripts/db.ts uses.
declare module '@prisma/migrate' {
  export class SchemaEngineWasm {
    static setup(options: {
      adapter: unknown;
      schemaContext: { schemaFiles: [string, string][] };
    }): Promise<SchemaEngineWasm>;
    applyMigrations(input: unknown): Promise<{ appliedMigrationNames: string[] }>;
    migrateDiff(input: unknown): Promise<{ exitCode: number }>;
    stop(): Promise<void>;
  }
}
