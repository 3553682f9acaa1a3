import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  HTTP_PORT: portSchema.default(3000),
  /** Accepted as an administrator key: how a fresh install gets its first key. */
  IOT_API_KEY: z.string().min(16, 'at least 16 characters').optional(),
  /** How long a verified API key is trusted before apps/auth is asked again. */
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
});

export type ApiConfig = z.infer<typeof schema>;
export const API_CONFIG = Symbol('API_CONFIG');

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return loadConfig('api', schema, env);
}
