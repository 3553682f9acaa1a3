import { z } from 'zod';
import { baseEnvSchema, loadConfig, portSchema } from '@iot/runtime';

const schema = baseEnvSchema.extend({
  DATABASE_URL: z.string().url('a postgresql:// URL'),
  /** Port of the EMQX authn endpoint, health and metrics. */
  AUTH_HTTP_PORT: portSchema.default(3012),
  /** 32-byte key (64 hex characters or base64) encrypting DeviceSecrets and ProductSecrets at rest. */
  IOT_SECRET_KEY: z
    .string()
    .refine((v) => decodeKey(v) !== undefined, '32 bytes as 64 hex characters or base64')
    .transform((v) => decodeKey(v) as Buffer),
  /** Shared secret EMQX sends in x-emqx-secret when it calls /emqx/authn. */
  EMQX_WEBHOOK_SECRET: z.string().default(''),
  /** MQTT endpoint told to devices by /auth/devicename. */
  MQTT_PUBLIC_HOST: z.string().default('127.0.0.1'),
  MQTT_PORT: portSchema.default(1883),
  DEVICE_HTTP_PORT: portSchema.default(8085),
  /** Base of the signed configuration-file URLs given to devices; default http://MQTT_PUBLIC_HOST:DEVICE_HTTP_PORT. */
  DEVICE_HTTP_PUBLIC_URL: z.string().url().optional(),
  /** Sub-devices online at once through one gateway (protocol.md §5.3: 200). */
  GATEWAY_ONLINE_LIMIT: z.coerce.number().int().min(1).max(100_000).default(200),
  /** Sub-devices in one gateway's topology (protocol.md §0.1, AMBIG-1: 1500). */
  GATEWAY_TOPOLOGY_LIMIT: z.coerce.number().int().min(1).max(100_000).default(1500),
  /** Regions whose name the aliyun-iot-mqtt 0.0.1 SDK mixes into its signature (sdk-compat §1.3). */
  MQTT_SIGN_REGION_IDS: z
    .string()
    .default('cn-shanghai')
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
});

export type AuthConfig = z.infer<typeof schema>;
export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env): AuthConfig {
  return loadConfig('auth', schema, env);
}

function decodeKey(value: string): Buffer | undefined {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  const b = Buffer.from(value, 'base64');
  return b.length === 32 ? b : undefined;
}
