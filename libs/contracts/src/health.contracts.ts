import { rpc } from './bus';

export const PLATFORM_APPS = ['api', 'bridge', 'auth', 'shadow', 'tsl', 'ota', 'rules'] as const;
export type PlatformApp = (typeof PLATFORM_APPS)[number];

export interface ReadinessReply {
  app: string;
  ready: boolean;
  checks: Record<string, boolean>;
}

/** Each app answers on its own subject so apps/api can report the readiness of the whole platform. */
export function healthRpc(app: PlatformApp) {
  return rpc<Record<string, never>, ReadinessReply>(`platform.v1.health.${app}`);
}
