import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  /** Health and metrics. */
  TSL_HTTP_PORT: portSchema.default(3014),
  DATABASE_URL: z.string().url('a postgresql:// URL'),
  /** Device messages handled at once (one at a time per device, in order). */
  TSL_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
});

export type TslConfig = z.infer<typeof schema>;
export const TSL_CONFIG = Symbol('TSL_CONFIG');

export function loadTslConfig(env: NodeJS.ProcessEnv = process.env): TslConfig {
  return loadConfig('tsl', schema, env);
}
