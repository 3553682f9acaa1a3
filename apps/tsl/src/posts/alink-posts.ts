import { isRecord } from '../model/tsl-document';
import type { ThingModel } from '../model/tsl-types';
import { validateParams, validateValue } from '../model/tsl-values';

/** protocol.md §4.2, AMBIG-14: 200 properties allowed, 201 refused. */
export const MAX_PROPERTIES_PER_POST = 200;

export const POST_CODE = { ok: 200, paramError: 460, tooManyProperties: 6106 } as const;

export interface DroppedValue {
  identifier: string;
  value: unknown;
  reason: string;
}

export interface PropertyPostOutcome {
  code: number;
  message?: string;
  accepted: Record<string, { value: unknown; time: number }>;
  dropped: DroppedValue[];
}

/**
 * A property post checked against the thing model (protocol.md §4.2): unknown identifiers and invalid values
 * are dropped (and reported), the rest accepted; the device still gets 200. Both param shapes are accepted:
 * `{"Power":{"value":"on","time":…}}` and `{"PowerSwitch":1}` (AMBIG-13).
 */
export function checkPropertyPost(model: ThingModel, params: unknown, receivedAt: number): PropertyPostOutcome {
  if (!isRecord(params))
    return { code: POST_CODE.paramError, message: 'params must be an object', accepted: {}, dropped: [] };
  const entries = Object.entries(params);
  if (entries.length > MAX_PROPERTIES_PER_POST) {
    return { code: POST_CODE.tooManyProperties, message: 'map size must less than 200', accepted: {}, dropped: [] };
  }
  const accepted: PropertyPostOutcome['accepted'] = {};
  const dropped: DroppedValue[] = [];
  for (const [identifier, raw] of entries) {
    const { value, time } = unwrap(raw, receivedAt);
    const property = model.properties.find((p) => p.identifier === identifier);
    if (!property) {
      dropped.push({ identifier, value, reason: 'unknown identifier' });
      continue;
    }
    const checked = validateValue(property.dataType, value, identifier);
    if (checked.ok) accepted[identifier] = { value: checked.value, time };
    else dropped.push({ identifier, value, reason: describe(checked.problem, checked.path, identifier) });
  }
  return { code: POST_CODE.ok, accepted, dropped };
}

export interface EventPostOutcome {
  code: number;
  message?: string;
  event?: { identifier: string; type: 'info' | 'alert' | 'error'; output: Record<string, unknown>; time: number };
  dropped: DroppedValue[];
}

/** An event post (protocol.md §4.4): an event the model does not define is refused with 460. */
export function checkEventPost(
  model: ThingModel,
  identifier: string,
  params: unknown,
  receivedAt: number,
): EventPostOutcome {
  const def = model.events.find((e) => e.identifier === identifier);
  if (!def)
    return {
      code: POST_CODE.paramError,
      message: `event ${identifier} is not in the thing model`,
      dropped: [{ identifier, value: params, reason: 'unknown event' }],
    };
  if (!isRecord(params)) return { code: POST_CODE.paramError, message: 'params must be an object', dropped: [] };
  const long =
    isRecord(params.value) &&
    (params.time === undefined || typeof params.time === 'number' || typeof params.time === 'string');
  const value = long ? params.value : params;
  const time = long ? toTime(params.time, receivedAt) : receivedAt;
  const checked = validateParams(def.outputData, value);
  if (!checked.ok) {
    const reason = describe(checked.problem, checked.path, identifier);
    return { code: POST_CODE.paramError, message: reason, dropped: [{ identifier, value, reason }] };
  }
  return {
    code: POST_CODE.ok,
    event: { identifier, type: def.type, output: checked.value as Record<string, unknown>, time },
    dropped: [],
  };
}

function unwrap(raw: unknown, receivedAt: number): { value: unknown; time: number } {
  if (isRecord(raw) && 'value' in raw) return { value: raw.value, time: toTime(raw.time, receivedAt) };
  return { value: raw, time: receivedAt };
}

function toTime(value: unknown, fallback: number): number {
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

function describe(problem: string, path: string, identifier: string): string {
  return path && path !== identifier ? `${problem} at ${path}` : problem;
}
