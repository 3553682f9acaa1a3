import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  /** Health and metrics. */
  SHADOW_HTTP_PORT: portSchema.default(3013),
  DATABASE_URL: z.string().url('a postgresql:// URL'),
  /** Device messages handled at once (one at a time per device, in order). */
  SHADOW_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(256),
});

export type ShadowConfig = z.infer<typeof schema>;
export const SHADOW_CONFIG = Symbol('SHADOW_CONFIG');

export function loadShadowConfig(env: NodeJS.ProcessEnv = process.env): ShadowConfig {
  return loadConfig('shadow', schema, env);
}
