import { type z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  /** Health and metrics. */
  RULES_HTTP_PORT: portSchema.default(3016),
});

export type RulesConfig = z.infer<typeof schema>;

export function loadRulesConfig(env: NodeJS.ProcessEnv = process.env): RulesConfig {
  return loadConfig('rules', schema, env);
}
