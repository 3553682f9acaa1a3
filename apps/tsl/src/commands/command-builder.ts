import { deviceAclRules, isSubscribeAllowed, parseDeviceTopic, topics } from '@iot/protocol';
import { isRecord } from '../model/tsl-document';
import type { ThingModel } from '../model/tsl-types';
import { validateParams, validateValue } from '../model/tsl-values';

/** Default TTLs (protocol.md §3, S001): messages 24 h, commands 48 h. */
export const DEFAULT_TTL_SECONDS = { message: 24 * 3600, command: 48 * 3600 } as const;
export const MAX_TTL_SECONDS = 7 * 24 * 3600;
/** Sync calls (protocol.md §3): 20 s by default, 1–60 s. */
export const SYNC_TIMEOUT_MS = { default: 20_000, min: 1_000, max: 60_000 } as const;

export type Built = { ok: true; topic: string; payload: Buffer; params: unknown } | { ok: false; message: string };

/** `thing/service/property/set` with the values checked: the properties exist, are writable (rw) and valid. */
export function buildPropertySet(
  model: ThingModel,
  productKey: string,
  deviceName: string,
  id: string,
  items: unknown,
): Built {
  if (!isRecord(items) || Object.keys(items).length === 0)
    return { ok: false, message: 'items: an object of property values' };
  const params: Record<string, unknown> = {};
  for (const [identifier, value] of Object.entries(items)) {
    const property = model.properties.find((p) => p.identifier === identifier);
    if (!property) return { ok: false, message: `${identifier}: not a property of the thing model` };
    if (property.accessMode !== 'rw') return { ok: false, message: `${identifier}: read-only` };
    const checked = validateValue(property.dataType, value, identifier);
    if (!checked.ok) return { ok: false, message: `${checked.path || identifier}: ${checked.problem}` };
    params[identifier] = checked.value;
  }
  const topic = topics.thing(productKey, deviceName, 'service/property/set');
  return { ok: true, topic, params, payload: alink(id, params, 'thing.service.property.set') };
}

/** A service call: async on `thing/service/{id}`, sync over RRPC (`rrpc/request/{commandId}`), args checked against inputData. */
export function buildServiceCall(
  model: ThingModel,
  productKey: string,
  deviceName: string,
  id: string,
  identifier: string,
  args: unknown,
  mode: 'sync' | 'async',
): Built {
  const service = model.services.find((s) => s.identifier === identifier);
  if (!service) return { ok: false, message: `${identifier}: not a service of the thing model` };
  const checked = validateParams(service.inputData, args ?? {});
  if (!checked.ok) return { ok: false, message: `args${checked.path ? `.${checked.path}` : ''}: ${checked.problem}` };
  const topic =
    mode === 'sync'
      ? topics.rrpcRequest(productKey, deviceName, id)
      : topics.thing(productKey, deviceName, `service/${identifier}`);
  return { ok: true, topic, params: checked.value, payload: alink(id, checked.value, service.method) };
}

/** A plain message, only to a custom topic the device itself may subscribe to. */
export function buildMessage(
  productKey: string,
  deviceName: string,
  topic: unknown,
  payload: unknown,
  encoding: unknown,
): Built {
  if (typeof topic !== 'string' || typeof payload !== 'string')
    return { ok: false, message: 'topic and payload: strings' };
  const parsed = parseDeviceTopic(topic);
  if (!parsed || parsed.family !== 'custom' || parsed.productKey !== productKey || parsed.deviceName !== deviceName) {
    return { ok: false, message: `topic: one of the device's own custom topics (/${productKey}/${deviceName}/…)` };
  }
  if (!isSubscribeAllowed(deviceAclRules(productKey, deviceName), topic))
    return { ok: false, message: 'topic: the device cannot subscribe to it' };
  if (encoding !== undefined && encoding !== 'utf8' && encoding !== 'base64')
    return { ok: false, message: 'encoding: utf8 or base64' };
  const bytes = encoding === 'base64' ? Buffer.from(payload, 'base64') : Buffer.from(payload, 'utf8');
  if (bytes.length > 256 * 1024) return { ok: false, message: 'payload: at most 256 KB' };
  return { ok: true, topic, payload: bytes, params: undefined };
}

function alink(id: string, params: unknown, method: string): Buffer {
  return Buffer.from(JSON.stringify({ id, version: '1.0', params, method }));
}
