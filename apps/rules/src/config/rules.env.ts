import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const delays = z
  .string()
  .regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds, e.g. 1000,3000,10000')
  .transform((s) => s.split(',').map(Number));

const schema = baseEnvSchema.extend({
  /** Health and metrics. */
  RULES_HTTP_PORT: portSchema.default(3016),
  DATABASE_URL: z.string().url('a postgresql:// URL'),
  /** Source messages (uplinks, platform events) evaluated at once by this replica. */
  RULES_CONCURRENCY: z.coerce.number().int().min(1).max(4096).default(256),
  /** Retries handled at once by this replica. */
  RULES_RETRY_CONCURRENCY: z.coerce.number().int().min(1).max(4096).default(64),
  /** Waits before the 2nd, 3rd… attempt of a failed delivery; after the last one it becomes a dead letter. */
  RULES_RETRY_DELAYS_MS: delays.default([1_000, 3_000, 10_000]),
});

export type RulesConfig = z.infer<typeof schema>;
export const RULES_CONFIG = Symbol('RULES_CONFIG');

export function loadRulesConfig(env: NodeJS.ProcessEnv = process.env): RulesConfig {
  return loadConfig('rules', schema, env);
}
