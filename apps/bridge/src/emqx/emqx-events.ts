import { z } from 'zod';
import type { ConnectionEvent } from '@iot/contracts';
import { parseMqttUsername } from '@iot/protocol';
import type { InboundPublish } from '../edge/device-edge.service';

// Maps the JSON bodies EMQX 5.8's rule engine POSTs to /emqx/events (emqx-contract.md §3.1–3.4)
// onto the device edge's inputs. Pure: no I/O, never throws, whatever the body.

/** The device a webhook event belongs to. */
export interface DeviceIdentity {
  productKey: string;
  deviceName: string;
  /** A gateway's connection (`client_attrs.nodeType`): it may carry sub-device sessions. */
  gateway: boolean;
}

export type EmqxEvent =
  | { kind: 'publish'; publish: InboundPublish; device: DeviceIdentity }
  | { kind: 'connected' | 'disconnected'; event: ConnectionEvent; device: DeviceIdentity }
  /** Well-formed, but nothing the platform stores: answered 2xx so EMQX does not retry it. */
  | { kind: 'ignored'; reason: string }
  /** Malformed: answered 400, which EMQX counts as failed and drops without retrying. */
  | { kind: 'invalid'; error: string };

/** The client id EMQX gives messages published through its REST API (our own downlinks). */
export const EMQX_HTTP_API_CLIENT_ID = 'http_api';

// jiffy renders an absent value as the string "undefined" (emqx-contract.md §3.1); null and "" are
// treated the same, so the fields below only ever hold a real value or nothing.
const absent = (value: unknown): unknown =>
  value === 'undefined' || value === null || value === '' ? undefined : value;
const optionalText = z.preprocess(absent, z.string().optional());
const epochMs = z.number().int().nonnegative();
const clientAttrs = z.preprocess(absent, z.record(z.string(), z.unknown()).optional());

const envelope = z.object({ event: z.string().min(1) });

const clientFields = {
  clientid: z.string().min(1),
  username: optionalText,
  client_attrs: clientAttrs,
  peerhost: optionalText,
  peername: optionalText,
  timestamp: epochMs.optional(),
};

const publishSchema = z
  .object({
    ...clientFields,
    id: z.string().min(1),
    topic: z.string().min(1),
    qos: z.union([z.literal(0), z.literal(1), z.literal(2)]),
    // The projected rule output (our emqx.conf): the payload bytes in base64.
    payload_b64: z.base64().optional(),
    // `SELECT *`: the payload as a JSON string; non-UTF-8 bytes arrive mangled (§3.1).
    payload: z.string().optional(),
    publish_received_at: epochMs.optional(),
  })
  .refine((b) => b.payload_b64 !== undefined || b.payload !== undefined, {
    message: 'payload_b64 (or payload) is required',
    path: ['payload_b64'],
  });

const connectedSchema = z.object({
  ...clientFields,
  connected_at: epochMs,
  keepalive: z.number().int().nonnegative().optional(),
  clean_start: z.boolean().optional(),
});

const disconnectedSchema = z.object({
  ...clientFields,
  reason: z.string().min(1),
  // The connect time of the connection being closed: orders it against a newer one (§6).
  connected_at: epochMs,
  disconnected_at: epochMs.optional(),
});

/** Maps one webhook body. Unknown events and clients that are not devices are `ignored`. */
export function mapEmqxEvent(body: unknown): EmqxEvent {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { kind: 'invalid', error: 'the body must be a JSON object' };
  }
  const head = envelope.safeParse(body);
  if (!head.success) return { kind: 'invalid', error: `event: ${issuesText(head.error)}` };
  switch (head.data.event) {
    case 'message.publish':
      return mapPublish(body);
    case 'client.connected':
      return mapConnected(body);
    case 'client.disconnected':
      return mapDisconnected(body);
    default:
      return { kind: 'ignored', reason: `event ${head.data.event} is not forwarded` };
  }
}

function mapPublish(body: object): EmqxEvent {
  const parsed = publishSchema.safeParse(body);
  if (!parsed.success) return invalid('message.publish', parsed.error);
  const b = parsed.data;
  const receivedAt = b.publish_received_at ?? b.timestamp;
  if (receivedAt === undefined) {
    return {
      kind: 'invalid',
      error: 'message.publish: publish_received_at: publish_received_at (or timestamp) is required',
    };
  }
  const device = deviceIdentity(b.client_attrs, b.username);
  if (!device) {
    // Our own REST downlinks fire message.publish rules too, with clientid "http_api" (§3.1).
    const reason =
      b.clientid === EMQX_HTTP_API_CLIENT_ID
        ? 'published through the EMQX REST API (a downlink), not by a device'
        : notADevice(b.clientid);
    return { kind: 'ignored', reason };
  }
  const payload = b.payload_b64 !== undefined ? Buffer.from(b.payload_b64, 'base64') : Buffer.from(b.payload ?? '');
  return {
    kind: 'publish',
    device,
    publish: {
      clientId: b.clientid,
      topic: b.topic,
      payload,
      qos: b.qos,
      messageId: b.id,
      receivedAt,
      peerhost: b.peerhost ?? peerhostOf(b.peername),
    },
  };
}

function mapConnected(body: object): EmqxEvent {
  const parsed = connectedSchema.safeParse(body);
  if (!parsed.success) return invalid('client.connected', parsed.error);
  const b = parsed.data;
  const device = deviceIdentity(b.client_attrs, b.username);
  if (!device) return { kind: 'ignored', reason: notADevice(b.clientid) };
  return {
    kind: 'connected',
    device,
    event: {
      type: 'connected',
      productKey: device.productKey,
      deviceName: device.deviceName,
      clientId: b.clientid,
      connectedAt: b.connected_at,
      at: b.timestamp ?? b.connected_at,
      peerhost: b.peerhost ?? peerhostOf(b.peername),
      keepalive: b.keepalive,
      cleanSession: b.clean_start,
    },
  };
}

function mapDisconnected(body: object): EmqxEvent {
  const parsed = disconnectedSchema.safeParse(body);
  if (!parsed.success) return invalid('client.disconnected', parsed.error);
  const b = parsed.data;
  const device = deviceIdentity(b.client_attrs, b.username);
  if (!device) return { kind: 'ignored', reason: notADevice(b.clientid) };
  return {
    kind: 'disconnected',
    device,
    event: {
      type: 'disconnected',
      productKey: device.productKey,
      deviceName: device.deviceName,
      clientId: b.clientid,
      connectedAt: b.connected_at,
      at: b.disconnected_at ?? b.timestamp ?? b.connected_at,
      peerhost: b.peerhost ?? peerhostOf(b.peername),
      reason: b.reason,
    },
  };
}

/**
 * The device behind a client: the `client_attrs` our authn reply sets (they hold for token logins,
 * whose username is an iotId), else the `deviceName&productKey` username.
 */
export function deviceIdentity(
  attrs: Record<string, unknown> | undefined,
  username: string | undefined,
): DeviceIdentity | undefined {
  const productKey = attrs?.productKey;
  const deviceName = attrs?.deviceName;
  const gateway = attrs?.nodeType === 'gateway';
  if (typeof productKey === 'string' && productKey !== '' && typeof deviceName === 'string' && deviceName !== '') {
    return { productKey, deviceName, gateway };
  }
  const parsed = username === undefined ? undefined : parseMqttUsername(username);
  return parsed && { productKey: parsed.productKey, deviceName: parsed.deviceName, gateway };
}

/**
 * The IP part of EMQX's `peername`: `inet:ntoa(IP) ++ ":" ++ Port`, so `203.0.113.7:52344`, and for
 * IPv6 `2001:db8::1:52344` with no brackets: the port is always after the last colon.
 */
export function peerhostOf(peername: string | undefined): string | undefined {
  if (peername === undefined) return undefined;
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(peername);
  if (bracketed) return bracketed[1];
  const colon = peername.lastIndexOf(':');
  if (colon <= 0 || !/^\d+$/.test(peername.slice(colon + 1))) return peername;
  return peername.slice(0, colon);
}

function notADevice(clientId: string): string {
  return `client ${clientId} is not a device (no productKey/deviceName in client_attrs or username)`;
}

function invalid(event: string, error: z.ZodError): EmqxEvent {
  return { kind: 'invalid', error: `${event}: ${issuesText(error)}` };
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`).join('; ');
}
