import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import type { PostgresAction } from '@iot/contracts';
import { RULES_CONFIG, type RulesConfig } from '../../config/rules.env';
import { SQL_IDENTIFIER } from '../../rules/rule-definition';
import { fieldOf } from '../template';

/** Checked again here, not only when the rule was saved: nothing reaches the SQL text unquoted. */
function quoteIdentifier(name: string): string {
  if (!SQL_IDENTIFIER.test(name)) throw new Error(`${JSON.stringify(name)} is not a plain SQL identifier`);
  return `"${name}"`;
}

/** Objects and arrays go in as JSON text (for json, jsonb or text columns); scalars as they are. */
function parameter(value: unknown): unknown {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : value;
}

/** The INSERT of an action: quoted identifiers from the rule, every value a parameter. */
export function insertStatement(action: PostgresAction, output: unknown): { text: string; values: unknown[] } {
  const parts = action.table.split('.');
  if (parts.length > 2)
    throw new Error(`${JSON.stringify(action.table)} is not a plain SQL identifier or schema.table`);
  const target = parts.map(quoteIdentifier).join('.');
  const columns = Object.entries(action.columns);
  return {
    text: `INSERT INTO ${target} (${columns.map(([c]) => quoteIdentifier(c)).join(', ')}) VALUES (${columns
      .map((_, i) => `$${i + 1}`)
      .join(', ')})`,
    values: columns.map(([, path]) => parameter(fieldOf(output, path))),
  };
}

/** Inserts one row per delivery into an operator's table, with a small pool per target database. */
@Injectable()
export class PostgresActionRunner implements OnApplicationShutdown {
  private readonly logger = new Logger(PostgresActionRunner.name);
  private readonly pools = new Map<string, Pool>();

  constructor(@Inject(RULES_CONFIG) private readonly config: RulesConfig) {}

  async run(action: PostgresAction, output: unknown): Promise<void> {
    const { text, values } = insertStatement(action, output);
    await this.pool(action.databaseUrl ?? this.config.DATABASE_URL).query(text, values);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.end()));
  }

  private pool(url: string): Pool {
    let pool = this.pools.get(url);
    if (!pool) {
      pool = new Pool({
        connectionString: url,
        max: 4,
        connectionTimeoutMillis: 5_000,
        idleTimeoutMillis: 30_000,
        statement_timeout: 10_000,
        query_timeout: 15_000,
        application_name: 'iot-rules',
      });
      // An idle connection that breaks must not take the process down; the next query reconnects.
      pool.on('error', (error) => this.logger.warn(`target database connection lost: ${error.message}`));
      this.pools.set(url, pool);
    }
    return pool;
  }
}
