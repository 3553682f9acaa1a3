import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema
  .extend({
    HTTP_PORT: portSchema.default(3000),
    /** Accepted as an administrator key: how a fresh install gets its first key. */
    IOT_API_KEY: z.string().min(16, 'at least 16 characters').optional(),
    /** How long a verified API key is trusted before apps/auth is asked again. */
    API_KEY_CACHE_MS: z.coerce.number().int().min(0).default(30_000),
    /** apps/ota's HTTP port, where firmware uploads are streamed (OTA_INTERNAL_URL's default). */
    OTA_HTTP_PORT: portSchema.default(3015),
    /** apps/ota's internal base URL (docker-compose: http://ota:3015); default http://127.0.0.1:<OTA_HTTP_PORT>. */
    OTA_INTERNAL_URL: z.string().url('an http:// URL').optional(),
    /** Token apps/ota expects on uploads; derived from IOT_SECRET_KEY as apps/ota derives it when absent. */
    OTA_INTERNAL_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    IOT_SECRET_KEY: z.string().min(16).optional(),
  })
  .transform(({ IOT_SECRET_KEY, ...c }) => ({
    ...c,
    OTA_INTERNAL_URL: (c.OTA_INTERNAL_URL ?? `http://127.0.0.1:${c.OTA_HTTP_PORT}`).replace(/\/+$/, ''),
    OTA_INTERNAL_TOKEN:
      c.OTA_INTERNAL_TOKEN ??
      (IOT_SECRET_KEY ? createHmac('sha256', IOT_SECRET_KEY).update('ota-internal-upload').digest('hex') : undefined),
  }));

export type ApiConfig = z.infer<typeof schema>;
export const API_CONFIG = Symbol('API_CONFIG');

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiConfig {
  return loadConfig('api', schema, env);
}
