import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema
  .extend({
    /** Health, metrics, firmware downloads for devices, and the internal upload endpoint for apps/api. */
    OTA_HTTP_PORT: portSchema.default(3015),
    DATABASE_URL: z.string().url('a postgresql:// URL'),
    /** Where firmware files are kept, one file per SHA-256 (content-addressed). */
    OTA_STORAGE_DIR: z.string().min(1).default('.data/firmware'),
    /** Base of the download URLs put in upgrade messages: how devices reach this app's HTTP port. */
    OTA_PUBLIC_URL: z.string().url('an http(s):// URL').optional(),
    /** Key of the download URL signatures; derived from IOT_SECRET_KEY when absent. */
    OTA_URL_SECRET: z.string().min(16, 'at least 16 characters').optional(),
    /** Key apps/api presents on the internal upload endpoint; derived from IOT_SECRET_KEY when absent. */
    OTA_INTERNAL_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
    IOT_SECRET_KEY: z.string().min(16).optional(),
    /** Shortest lifetime of a download URL (it is at least the campaign's per-device timeout). */
    OTA_URL_TTL_SECONDS: z.coerce
      .number()
      .int()
      .min(60)
      .default(24 * 3600),
    /** Largest firmware file accepted. */
    OTA_MAX_FIRMWARE_BYTES: z.coerce
      .number()
      .int()
      .min(1)
      .default(2 * 1024 ** 3),
    /** How often campaigns are advanced (starts, timeouts, stages, completion). */
    OTA_TICK_MS: z.coerce.number().int().min(100).max(60_000).default(1_000),
    /** Device messages handled at once (one at a time per device, in order). */
    OTA_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  })
  .transform((c, ctx) => {
    const urlSecret = c.OTA_URL_SECRET ?? derive(c.IOT_SECRET_KEY, 'ota-download-url');
    const internalToken = c.OTA_INTERNAL_TOKEN ?? derive(c.IOT_SECRET_KEY, 'ota-internal-upload');
    if (!urlSecret || !internalToken) {
      ctx.addIssue({
        code: 'custom',
        path: ['IOT_SECRET_KEY'],
        message: 'required unless OTA_URL_SECRET and OTA_INTERNAL_TOKEN are set',
      });
      return z.NEVER;
    }
    return {
      ...c,
      OTA_STORAGE_DIR: resolve(c.OTA_STORAGE_DIR),
      OTA_PUBLIC_URL: (c.OTA_PUBLIC_URL ?? `http://127.0.0.1:${c.OTA_HTTP_PORT}`).replace(/\/+$/, ''),
      urlSecret,
      internalToken,
    };
  });

export type OtaConfig = z.infer<typeof schema>;
export const OTA_CONFIG = Symbol('OTA_CONFIG');

export function loadOtaConfig(env: NodeJS.ProcessEnv = process.env): OtaConfig {
  return loadConfig('ota', schema, env);
}

/**
 * A purpose-bound key from the platform secret, so one secret configures every app. apps/api derives the
 * internal upload token the same way (apps/api/src/config/api.env.ts).
 */
function derive(secret: string | undefined, purpose: string): string | undefined {
  return secret ? createHmac('sha256', secret).update(purpose).digest('hex') : undefined;
}
