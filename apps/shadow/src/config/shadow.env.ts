import { type z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  /** Health and metrics. */
  SHADOW_HTTP_PORT: portSchema.default(3013),
});

export type ShadowConfig = z.infer<typeof schema>;

export function loadShadowConfig(env: NodeJS.ProcessEnv = process.env): ShadowConfig {
  return loadConfig('shadow', schema, env);
}
