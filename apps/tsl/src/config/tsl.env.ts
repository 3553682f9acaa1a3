import { type z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  /** Health and metrics. */
  TSL_HTTP_PORT: portSchema.default(3014),
});

export type TslConfig = z.infer<typeof schema>;

export function loadTslConfig(env: NodeJS.ProcessEnv = process.env): TslConfig {
  return loadConfig('tsl', schema, env);
}
