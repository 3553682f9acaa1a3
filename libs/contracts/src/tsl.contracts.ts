import { event, type StreamSpec } from './bus';

/**
 * Thing-model events from apps/tsl: validated property and event posts, and device replies to downlink
 * calls (the data-exchange topic `/sys/{pk}/{dn}/thing/downlink/reply/message`, protocol.md §8.2).
 */
export const TSL_STREAM: StreamSpec = {
  name: 'TSL_EVENTS',
  // Events only: never a prefix of a request subject (tsl.v1.<rpc> must stay outside the stream).
  subjects: ['tsl.v1.events.>'],
  maxAgeSeconds: 7 * 24 * 3600,
  duplicateWindowSeconds: 120,
};

/** Properties a device posted that passed its product's thing model (values it dropped are not here). */
export interface PropertiesPostedEvent {
  productKey: string;
  deviceName: string;
  /** identifier → value */
  items: Record<string, unknown>;
  /** identifier → epoch ms the device gave, or the time of receipt */
  times: Record<string, number>;
  /** The device's Alink request id. */
  requestId: string;
  receivedAt: number;
}

/** An event a device posted that passed its product's thing model. */
export interface ThingEventPostedEvent {
  productKey: string;
  deviceName: string;
  identifier: string;
  type: 'info' | 'alert' | 'error';
  output: Record<string, unknown>;
  time: number;
  requestId: string;
  receivedAt: number;
}

/** A device's reply to a downlink call (property set, service, RRPC), correlated with the command. */
export interface DownlinkReplyEvent {
  productKey: string;
  deviceName: string;
  commandId?: string;
  /** The topic the reply came on. */
  topic: string;
  /** The device's reply, as JSON when it parsed, else the raw text. */
  reply: unknown;
  receivedAt: number;
}

export const TslEvents = {
  propertiesPosted: event<PropertiesPostedEvent, [productKey: string, deviceName: string]>(
    TSL_STREAM,
    'tsl.v1.events.properties',
    2,
  ),
  eventPosted: event<ThingEventPostedEvent, [productKey: string, deviceName: string]>(
    TSL_STREAM,
    'tsl.v1.events.event',
    2,
  ),
  downlinkReply: event<DownlinkReplyEvent, [productKey: string, deviceName: string]>(
    TSL_STREAM,
    'tsl.v1.events.downlink-reply',
    2,
  ),
} as const;
