/**
 * What rules read, in one place: every device uplink on its own MQTT topic, and the platform's events
 * exposed as topics of their own, so that one FROM grammar covers all of them (docs/adr/0007-rules-engine.md).
 *
 * | source                                   | rule topic                                       | payload                                                                  |
 * | ---------------------------------------- | ------------------------------------------------ | ------------------------------------------------------------------------ |
 * | device uplink (DeviceEvents.uplink)      | the MQTT topic, e.g. `/{pk}/{dn}/user/update`    | the device's JSON; not JSON → no fields, bytes through `payload(…)`      |
 * |   … except the two thing-model posts     | (read from apps/tsl's validated events instead)  |                                                                          |
 * | online / offline (DeviceEvents.connection) | `/sys/{pk}/{dn}/thing/lifecycle`               | `{status: "online" or "offline", productKey, deviceName, clientId, clientIp, time, …}` |
 * | validated property post (TslEvents)      | `/sys/{pk}/{dn}/thing/event/property/post`       | `{requestId, productKey, deviceName, gmtCreate, items: {id: {value, time}}}` |
 * | validated event post (TslEvents)         | `/sys/{pk}/{dn}/thing/event/{identifier}/post`   | `{identifier, type, requestId, productKey, deviceName, gmtCreate, time, value}` |
 * | downlink reply (TslEvents)               | `/sys/{pk}/{dn}/thing/downlink/reply/message`    | `{gmtCreate, productKey, deviceName, requestId, commandId, topic, code, message, data}` |
 * | shadow change (ShadowEvents.changed)     | `/shadow/update/{pk}/{dn}/accepted`              | `{method, source, version, state, timestamp, productKey, deviceName}`     |
 * | OTA progress                             | the device's own `/ota/device/progress/{pk}/{dn}` | the device's JSON (a raw uplink, until apps/ota publishes events)        |
 */
import type {
  ConnectionEvent,
  DownlinkReplyEvent,
  PropertiesPostedEvent,
  ShadowChangedEvent,
  ThingEventPostedEvent,
  UplinkMessage,
} from '@iot/contracts';
import type { RuleMessage } from '../sql/rule-message';
import type { Value } from '../sql/values';

export const ruleTopics = {
  lifecycle: (pk: string, dn: string) => `/sys/${pk}/${dn}/thing/lifecycle`,
  propertyPost: (pk: string, dn: string) => `/sys/${pk}/${dn}/thing/event/property/post`,
  eventPost: (pk: string, dn: string, identifier: string) => `/sys/${pk}/${dn}/thing/event/${identifier}/post`,
  downlinkReply: (pk: string, dn: string) => `/sys/${pk}/${dn}/thing/downlink/reply/message`,
  shadowAccepted: (pk: string, dn: string) => `/shadow/update/${pk}/${dn}/accepted`,
};

/**
 * The property and event posts a device publishes are read from apps/tsl's events instead: those carry
 * only what passed the product's thing model (protocol.md §8.1 "always as Alink JSON", after the
 * data-parsing script for custom-format products), and a rule must not see the same post twice.
 */
export function isThingModelPost(topic: string): boolean {
  const levels = topic.split('/');
  return (
    levels.length === 8 &&
    levels[0] === '' &&
    levels[1] === 'sys' &&
    levels[4] === 'thing' &&
    levels[5] === 'event' &&
    levels[7] === 'post'
  );
}

/** The payload as JSON when it is JSON; undefined otherwise (a binary or text payload has no fields). */
export function parseJsonPayload(raw: Uint8Array): Value | undefined {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')) as Value;
  } catch {
    // Not JSON: the rule sees no fields, and reaches the bytes through payload('base64').
    return undefined;
  }
}

export function fromUplink(m: UplinkMessage): RuleMessage | undefined {
  if (isThingModelPost(m.topic)) return undefined;
  const raw = Buffer.from(m.payload, 'base64');
  return {
    topic: m.topic,
    payload: parseJsonPayload(raw),
    raw,
    productKey: m.productKey,
    deviceName: m.deviceName,
    messageId: m.messageId,
    clientId: m.clientId,
    clientIp: m.peerhost,
    receivedAt: m.receivedAt,
  };
}

function platformMessage(
  topic: string,
  payload: Record<string, Value>,
  base: Pick<RuleMessage, 'productKey' | 'deviceName' | 'messageId' | 'receivedAt' | 'clientId' | 'clientIp'>,
): RuleMessage {
  return { topic, payload, raw: Buffer.from(JSON.stringify(payload)), ...base };
}

const defined = (o: Record<string, Value | undefined>): Record<string, Value> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, Value>;

/** Connects and disconnects; the `subscribed` notices are not device lifecycle and are not exposed. */
export function fromConnection(e: ConnectionEvent, messageId: string): RuleMessage | undefined {
  if (e.type !== 'connected' && e.type !== 'disconnected') return undefined;
  const payload = defined({
    status: e.type === 'connected' ? 'online' : 'offline',
    productKey: e.productKey,
    deviceName: e.deviceName,
    clientId: e.clientId,
    clientIp: e.peerhost ?? null,
    time: e.at,
    /** When the connection this event belongs to was established. */
    lastTime: e.connectedAt,
    keepalive: e.keepalive,
    reason: e.reason,
  });
  return platformMessage(ruleTopics.lifecycle(e.productKey, e.deviceName), payload, {
    productKey: e.productKey,
    deviceName: e.deviceName,
    messageId,
    receivedAt: e.at,
    clientId: e.clientId,
    clientIp: e.peerhost,
  });
}

export function fromPropertiesPosted(e: PropertiesPostedEvent, messageId: string): RuleMessage {
  const items = Object.fromEntries(
    Object.entries(e.items).map(([id, value]) => [id, { value: value as Value, time: e.times[id] ?? e.receivedAt }]),
  );
  const payload = {
    requestId: e.requestId,
    productKey: e.productKey,
    deviceName: e.deviceName,
    gmtCreate: e.receivedAt,
    items,
  };
  return platformMessage(ruleTopics.propertyPost(e.productKey, e.deviceName), payload, {
    productKey: e.productKey,
    deviceName: e.deviceName,
    messageId,
    receivedAt: e.receivedAt,
  });
}

export function fromEventPosted(e: ThingEventPostedEvent, messageId: string): RuleMessage {
  const payload = {
    identifier: e.identifier,
    type: e.type,
    requestId: e.requestId,
    productKey: e.productKey,
    deviceName: e.deviceName,
    gmtCreate: e.receivedAt,
    time: e.time,
    value: e.output as Record<string, Value>,
  };
  return platformMessage(ruleTopics.eventPost(e.productKey, e.deviceName, e.identifier), payload, {
    productKey: e.productKey,
    deviceName: e.deviceName,
    messageId,
    receivedAt: e.receivedAt,
  });
}

/** The data-exchange topic's payload (protocol.md §8.2), from the device's Alink reply. */
export function fromDownlinkReply(e: DownlinkReplyEvent, messageId: string): RuleMessage {
  const reply = e.reply;
  const alink =
    typeof reply === 'object' && reply !== null && !Array.isArray(reply)
      ? (reply as Record<string, unknown>)
      : undefined;
  const payload = defined({
    gmtCreate: e.receivedAt,
    productKey: e.productKey,
    deviceName: e.deviceName,
    requestId: typeof alink?.id === 'string' || typeof alink?.id === 'number' ? String(alink.id) : null,
    commandId: e.commandId ?? null,
    topic: e.topic,
    code: alink ? ((alink.code as Value | undefined) ?? null) : null,
    message: alink ? ((alink.message as Value | undefined) ?? null) : null,
    data: alink ? ((alink.data as Value | undefined) ?? null) : ((reply as Value | undefined) ?? null),
  });
  return platformMessage(ruleTopics.downlinkReply(e.productKey, e.deviceName), payload, {
    productKey: e.productKey,
    deviceName: e.deviceName,
    messageId,
    receivedAt: e.receivedAt,
  });
}

export function fromShadowChange(e: ShadowChangedEvent, messageId: string): RuleMessage {
  const payload = {
    method: e.method,
    source: e.source,
    version: e.version,
    state: e.state as Record<string, Value>,
    timestamp: e.timestamp,
    productKey: e.productKey,
    deviceName: e.deviceName,
  };
  return platformMessage(ruleTopics.shadowAccepted(e.productKey, e.deviceName), payload, {
    productKey: e.productKey,
    deviceName: e.deviceName,
    messageId,
    // Shadow timestamps are epoch seconds (protocol.md AMBIG-8).
    receivedAt: e.timestamp * 1000,
  });
}
