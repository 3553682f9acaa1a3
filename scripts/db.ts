/**
 * Database migrations without the Prisma CLI's native schema engine (it cannot be downloaded here):
 * the WebAssembly schema engine reads and writes the same `apps/<app>/prisma/migrations/<name>/migration.sql`
 * files that `prisma migrate deploy` applies in production.
 *
 *   db ensure-database       create the database of DATABASE_URL if it is missing
 *   db migrate               apply every app's pending migrations (each app owns the Postgres schema named after it)
 *   db create <app> <name>   write a new migration for <app>: the difference between the datamodel of its
 *                            last migration (migrations/schema.snapshot.prisma) and its prisma/schema.prisma
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import { SchemaEngineWasm } from '@prisma/migrate';

/** The repository root: scripts/ in a checkout, dist/scripts/ once built. */
const root =
  [resolve(__dirname, '..'), resolve(__dirname, '..', '..')].find((d) => existsSync(join(d, 'package.json'))) ?? '.';
const SNAPSHOT = 'schema.snapshot.prisma';
const NO_FILTERS = { externalTables: [], externalEnums: [] };

interface AppSchema {
  app: string;
  schemaPath: string;
  migrationsDir: string;
  datamodel: string;
}

function appSchemas(): AppSchema[] {
  return readdirSync(join(root, 'apps'))
    .map((app) => ({ app, schemaPath: join(root, 'apps', app, 'prisma', 'schema.prisma') }))
    .filter(({ schemaPath }) => existsSync(schemaPath))
    .map(({ app, schemaPath }) => ({
      app,
      schemaPath,
      migrationsDir: join(root, 'apps', app, 'prisma', 'migrations'),
      datamodel: readFileSync(schemaPath, 'utf8'),
    }));
}

function listMigrations(dir: string) {
  const lockPath = join(dir, 'migration_lock.toml');
  const dirs = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort((a, b) => a.localeCompare(b))
    : [];
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: existsSync(lockPath) ? readFileSync(lockPath, 'utf8') : null },
    migrationDirectories: dirs.map((name) => ({
      path: name,
      migrationFile: {
        path: 'migration.sql',
        content: { tag: 'ok', value: readFileSync(join(dir, name, 'migration.sql'), 'utf8') },
      },
    })),
    shadowDbInitScript: '',
  };
}

async function withEngine<T>(schema: AppSchema, url: string, fn: (engine: SchemaEngineWasm) => Promise<T>): Promise<T> {
  // The engine keeps _prisma_migrations in the app's schema, but only once that schema exists.
  const pool = new Pool({ connectionString: url });
  await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema.app}"`).finally(() => pool.end());
  // The engine qualifies what it reads with the schema, but creates _prisma_migrations unqualified.
  // Our own pool, ended below: the engine holds Prisma's migration advisory lock on one of its connections,
  // and the next app's engine would wait for an idle timeout to release it.
  const enginePool = new Pool({ connectionString: url, options: `-c search_path="${schema.app}"` });
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg(enginePool, { schema: schema.app }));
  const engine = await SchemaEngineWasm.setup({
    adapter,
    schemaContext: { schemaFiles: [[schema.schemaPath, schema.datamodel]] },
  });
  try {
    return await fn(engine);
  } finally {
    await engine.stop();
    await enginePool.end();
  }
}

async function migrate(url: string): Promise<void> {
  for (const schema of appSchemas()) {
    const result = await withEngine(schema, url, (engine) =>
      engine.applyMigrations({ migrationsList: listMigrations(schema.migrationsDir), filters: NO_FILTERS }),
    );
    const applied = result.appliedMigrationNames;
    console.log(`${schema.app}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
  }
}

async function create(url: string, app: string, name: string): Promise<void> {
  const schema = appSchemas().find((s) => s.app === app);
  if (!schema) throw new Error(`apps/${app}/prisma/schema.prisma not found`);
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error('migration name: lowercase letters, digits and _ only');
  // The diff runs between two datamodels, the one of the last migration (kept beside the migrations) and the
  // current one: the Wasm engine cannot introspect a live Postgres (it fails on the "char" catalog type).
  const snapshot = join(schema.migrationsDir, SNAPSHOT);
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  try {
    await withEngine(schema, url, (engine) =>
      engine.migrateDiff({
        from: existsSync(snapshot)
          ? { tag: 'schemaDatamodel', files: [{ path: snapshot, content: readFileSync(snapshot, 'utf8') }] }
          : { tag: 'empty' },
        to: { tag: 'schemaDatamodel', files: [{ path: schema.schemaPath, content: schema.datamodel }] },
        script: true,
        exitCode: null,
        filters: NO_FILTERS,
      }),
    );
  } finally {
    process.stdout.write = write;
  }
  const sql = chunks.join('');
  if (!sql.trim() || /^-- This is an empty migration/.test(sql.trim())) {
    console.log(`${app}: schema.prisma matches the migrations; nothing to create`);
    return;
  }
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const dir = join(schema.migrationsDir, `${stamp}_${name}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'migration.sql'), sql);
  writeFileSync(snapshot, schema.datamodel);
  const lock = join(schema.migrationsDir, 'migration_lock.toml');
  if (!existsSync(lock)) writeFileSync(lock, 'provider = "postgresql"\n');
  console.log(`${app}: wrote ${dir}`);
  await migrate(url);
}

/** Creates the database named in the URL when it does not exist yet (one-machine set-up and tests). */
async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const pool = new Pool({ connectionString: admin.toString() });
  try {
    const { rowCount } = await pool.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await pool.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`created database ${name}`);
    }
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set');
  const [command, ...args] = process.argv.slice(2);
  if (command === 'migrate') return migrate(url);
  if (command === 'ensure-database') return ensureDatabase(url);
  if (command === 'create' && args.length === 2) return create(url, args[0], args[1]);
  throw new Error('usage: db ensure-database | db migrate | db create <app> <name>');
}

main().then(
  // Exit at once: the Wasm engine leaves timers behind that would keep the process alive for seconds.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
