import { event, rpc, type StreamSpec } from './bus';

/** Shadow changes, for rules and other services. */
export const SHADOW_STREAM: StreamSpec = {
  name: 'SHADOW_EVENTS',
  // Events only: a stream that also matched request subjects (shadow.v1.update) would answer them with PubAcks.
  subjects: ['shadow.v1.changed.>'],
  maxAgeSeconds: 7 * 24 * 3600,
  duplicateWindowSeconds: 120,
};

type JsonObject = Record<string, unknown>;

/** A device shadow as devices and applications read it (protocol.md §2.1); times in epoch seconds. */
export interface ShadowDocumentView {
  state: { desired?: JsonObject; reported?: JsonObject; delta?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  timestamp: number;
  version: number;
}

export interface ShadowRef {
  productKey: string;
  deviceName: string;
}

/** UpdateDeviceShadow: `shadowMessage` is the JSON string a device would publish (`{"method":"update",…}`). */
export interface UpdateShadowRequest extends ShadowRef {
  shadowMessage: string;
}
export interface UpdateShadowReply {
  version: number;
}

export interface ShadowSettings {
  productKey: string;
  /** Push the pending `control` to a device as soon as it reconnects (for devices that never send `get`). */
  pushControlOnConnect: boolean;
}

export interface ShadowChangedEvent extends ShadowRef {
  version: number;
  source: 'device' | 'application';
  method: 'update' | 'delete';
  /** The state after the change. */
  state: { desired?: JsonObject; reported?: JsonObject };
  timestamp: number;
}

export const ShadowRpc = {
  get: rpc<ShadowRef, ShadowDocumentView>('shadow.v1.get'),
  update: rpc<UpdateShadowRequest, UpdateShadowReply>('shadow.v1.update'),
  getSettings: rpc<{ productKey: string }, ShadowSettings>('shadow.v1.settings.get'),
  setSettings: rpc<ShadowSettings, ShadowSettings>('shadow.v1.settings.set'),
} as const;

export const ShadowEvents = {
  changed: event<ShadowChangedEvent, [productKey: string, deviceName: string]>(SHADOW_STREAM, 'shadow.v1.changed', 2),
} as const;
