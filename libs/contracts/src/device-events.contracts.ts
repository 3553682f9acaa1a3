import { event, rpc, signal, type StreamSpec } from './bus';

/** Everything devices publish, classified by topic family. Kept a week so a service that was down catches up. */
export const UPLINK_STREAM: StreamSpec = {
  name: 'DEVICE_UPLINK',
  subjects: ['uplink.v1.>'],
  maxAgeSeconds: 7 * 24 * 3600,
  duplicateWindowSeconds: 120,
};

/** Connect and disconnect events from whichever broker is in front. */
export const CONNECTION_STREAM: StreamSpec = {
  name: 'DEVICE_CONNECTIONS',
  subjects: ['connection.v1.>'],
  maxAgeSeconds: 7 * 24 * 3600,
  duplicateWindowSeconds: 120,
};

export type UplinkFamily = 'shadow' | 'thing' | 'rrpc' | 'ota' | 'session' | 'custom';

/** A device message as the bridge received it. */
export interface UplinkMessage {
  /** Broker message id (EMQX) or one minted by the embedded broker; JetStream dedupes on it. */
  messageId: string;
  productKey: string;
  deviceName: string;
  family: UplinkFamily;
  topic: string;
  /** Raw payload, base64. */
  payload: string;
  qos: 0 | 1 | 2;
  clientId: string;
  receivedAt: number;
  peerhost?: string;
}

export interface ConnectionEvent {
  /** `subscribed`: the device subscribed (`topics`); services waiting to deliver to it try now. */
  type: 'connected' | 'disconnected' | 'subscribed';
  productKey: string;
  deviceName: string;
  clientId: string;
  /** Epoch ms at which the connection this event belongs to was established; orders reconnects. */
  connectedAt: number;
  /** Epoch ms of the event itself. */
  at: number;
  peerhost?: string;
  keepalive?: number;
  cleanSession?: boolean;
  /** Disconnect reason, in EMQX's vocabulary (normal, tcp_closed, keepalive_timeout, kicked, takenover...). */
  reason?: string;
  /** The filters granted, for `subscribed`. */
  topics?: string[];
}

export const DeviceEvents = {
  uplink: event<UplinkMessage, [family: UplinkFamily, productKey: string, deviceName: string]>(
    UPLINK_STREAM,
    'uplink.v1',
    3,
  ),
  /** One contract for both kinds, so a single consumer sees a device's connects and disconnects in order. */
  connection: event<ConnectionEvent, [type: ConnectionEvent['type'], productKey: string, deviceName: string]>(
    CONNECTION_STREAM,
    'connection.v1',
    3,
  ),
} as const;

/** Subject filter for one uplink family, for consumers that want only that family. */
export const uplinkFilter = (family: UplinkFamily): string => `uplink.v1.${family}.*.*`;

/** Subject filter for one kind of connection event, so a consumer is not sent the others. */
export const connectionFilter = (type: ConnectionEvent['type']): string => `connection.v1.${type}.*.*`;

/** The device a device-scoped subject (`….{pk}.{dn}`) is about, as a partition key. */
export const deviceOfSubject = (subject: string): string => subject.split('.').slice(-2).join('.');

export interface DownlinkRequest {
  topic: string;
  /** Payload, base64. */
  payload: string;
  qos: 0 | 1;
}
export interface DownlinkReply {
  /** Whether at least one subscriber (online, or a persistent session) received the message. */
  delivered: boolean;
}

export interface KickRequest {
  productKey: string;
  deviceName: string;
  /** Only this connection; every connection of the device when absent. */
  clientId?: string;
  reason: 'disabled' | 'deleted' | 'replaced' | 'topology-removed';
}

/**
 * The client id that names a sub-device's session on a gateway's connection, in connection events and kicks:
 * `<gateway client id>#<pk>&<dn>`.
 */
export const subSessionClientId = (gatewayClientId: string, productKey: string, deviceName: string): string =>
  `${gatewayClientId}#${productKey}&${deviceName}`;

/** The gateway connection of a sub-device session's client id, or undefined for a direct connection. */
export const gatewayClientIdOf = (clientId: string): string | undefined => {
  const at = clientId.lastIndexOf('#');
  return at > 0 && clientId.slice(at + 1).includes('&') ? clientId.slice(0, at) : undefined;
};

export const BridgeRpc = {
  publish: rpc<DownlinkRequest, DownlinkReply>('bridge.v1.downlink.publish'),
} as const;

export const BridgeSignals = {
  kick: signal<KickRequest>('bridge.v1.client.kick'),
} as const;
