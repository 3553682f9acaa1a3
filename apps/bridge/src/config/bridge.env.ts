import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema
  .extend({
    /** `embedded`: an MQTT broker in this process (one machine, tests). `emqx`: EMQX in front (production). */
    BRIDGE_DRIVER: z.enum(['embedded', 'emqx']).default('embedded'),
    MQTT_HOST: z.string().default('0.0.0.0'),
    MQTT_PORT: portSchema.default(1883),
    MQTT_WS_PORT: portSchema.default(8083),
    /** Device HTTP channel, EMQX webhooks, health and metrics. */
    DEVICE_HTTP_PORT: portSchema.default(8085),
    /**
     * Embedded broker: where persistent sessions are kept. A `redis://` URL: in Redis, so subscriptions and
     * queued QoS 1 messages survive a restart of apps/bridge. Empty: in this process's memory.
     */
    MQTT_SESSIONS_REDIS_URL: z
      .string()
      .default('')
      .refine((u) => u === '' || /^rediss?:\/\//.test(u), 'a redis:// URL, or empty for sessions in memory'),
    /** Bound on how long a CONNECT waits for apps/auth before it is refused with CONNACK 3. */
    AUTH_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(5_000),
    EMQX_API_URL: z.string().url().optional(),
    EMQX_API_KEY: z.string().optional(),
    EMQX_API_SECRET: z.string().optional(),
    EMQX_WEBHOOK_SECRET: z.string().default(''),
  })
  .superRefine((c, ctx) => {
    if (c.BRIDGE_DRIVER !== 'emqx') return;
    for (const key of ['EMQX_API_URL', 'EMQX_API_KEY', 'EMQX_API_SECRET', 'EMQX_WEBHOOK_SECRET'] as const) {
      if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'required when BRIDGE_DRIVER=emqx' });
    }
  });

export type BridgeConfig = z.infer<typeof schema>;
export const BRIDGE_CONFIG = Symbol('BRIDGE_CONFIG');

export function loadBridgeConfig(env: NodeJS.ProcessEnv = process.env): BridgeConfig {
  return loadConfig('bridge', schema, env);
}
