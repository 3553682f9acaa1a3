import { type z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  /** Health and metrics. */
  OTA_HTTP_PORT: portSchema.default(3015),
});

export type OtaConfig = z.infer<typeof schema>;

export function loadOtaConfig(env: NodeJS.ProcessEnv = process.env): OtaConfig {
  return loadConfig('ota', schema, env);
}
