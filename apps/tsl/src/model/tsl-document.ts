import type { DataType, DataTypeName, EventDef, Param, PropertyDef, ServiceDef, ThingModel } from './tsl-types';

export interface ModelIssue {
  /** Where, e.g. `properties[2].dataType.specs.max`. */
  path: string;
  message: string;
}

export type ModelResult = { ok: true; model: ThingModel } | { ok: false; issues: ModelIssue[] };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,49}$/;
const TYPES: readonly DataTypeName[] = ['int', 'float', 'double', 'text', 'date', 'bool', 'enum', 'struct', 'array'];
const ARRAY_ITEM_TYPES: readonly DataTypeName[] = ['int', 'float', 'double', 'text', 'struct'];
/** Identifiers with a built-in meaning: the property post event and the property set/get services. */
const RESERVED = { events: ['post', 'property'], services: ['set', 'get', 'property'] };

/**
 * Validates a TSL document as an application writes it (Alibaba's shape, spec values as strings or numbers)
 * and returns the normalized model, or every problem with its path. Nothing is stored unless all is valid.
 */
export function parseThingModel(input: unknown): ModelResult {
  const issues: ModelIssue[] = [];
  const at = (path: string, message: string) => issues.push({ path, message });
  if (!isRecord(input))
    return { ok: false, issues: [{ path: '', message: 'a JSON object with properties, events and services' }] };
  const list = (key: string): unknown[] => {
    const v = input[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      at(key, 'an array');
      return [];
    }
    return v;
  };

  const properties = list('properties').map((p, i) => property(p, `properties[${i}]`, at));
  const events = list('events').map((e, i) => thingEvent(e, `events[${i}]`, at));
  const services = list('services').map((s, i) => service(s, `services[${i}]`, at));
  unique(properties, 'properties', at);
  unique(events, 'events', at);
  unique(services, 'services', at);
  events.forEach(
    (e, i) => RESERVED.events.includes(e.identifier) && at(`events[${i}].identifier`, `"${e.identifier}" is reserved`),
  );
  services.forEach(
    (s, i) =>
      RESERVED.services.includes(s.identifier) && at(`services[${i}].identifier`, `"${s.identifier}" is reserved`),
  );
  return issues.length ? { ok: false, issues } : { ok: true, model: { properties, events, services } };
}

type At = (path: string, message: string) => void;

function property(input: unknown, path: string, at: At): PropertyDef {
  const p = param(input, path, at);
  const r = isRecord(input) ? input : {};
  const accessMode = r.accessMode ?? 'rw';
  if (accessMode !== 'r' && accessMode !== 'rw') at(`${path}.accessMode`, '"r" or "rw"');
  return { ...p, accessMode: accessMode === 'r' ? 'r' : 'rw', required: r.required === true };
}

function thingEvent(input: unknown, path: string, at: At): EventDef {
  const r = isRecord(input) ? input : {};
  if (!isRecord(input)) at(path, 'an object');
  const identifier = ident(r.identifier, `${path}.identifier`, at);
  const type = r.type ?? 'info';
  if (type !== 'info' && type !== 'alert' && type !== 'error') at(`${path}.type`, '"info", "alert" or "error"');
  return {
    identifier,
    name: str(r.name) ?? identifier,
    ...(str(r.desc) ? { desc: str(r.desc) } : {}),
    type: type === 'alert' || type === 'error' ? type : 'info',
    required: r.required === true,
    outputData: params(r.outputData, `${path}.outputData`, at),
    method: `thing.event.${identifier}.post`,
  };
}

function service(input: unknown, path: string, at: At): ServiceDef {
  const r = isRecord(input) ? input : {};
  if (!isRecord(input)) at(path, 'an object');
  const identifier = ident(r.identifier, `${path}.identifier`, at);
  const callType = r.callType ?? 'async';
  if (callType !== 'sync' && callType !== 'async') at(`${path}.callType`, '"sync" or "async"');
  return {
    identifier,
    name: str(r.name) ?? identifier,
    ...(str(r.desc) ? { desc: str(r.desc) } : {}),
    required: r.required === true,
    callType: callType === 'sync' ? 'sync' : 'async',
    inputData: params(r.inputData, `${path}.inputData`, at),
    outputData: params(r.outputData, `${path}.outputData`, at),
    method: `thing.service.${identifier}`,
  };
}

function params(input: unknown, path: string, at: At): Param[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) {
    at(path, 'an array');
    return [];
  }
  const list = input.map((p, i) => param(p, `${path}[${i}]`, at));
  unique(list, path, at);
  return list;
}

function param(input: unknown, path: string, at: At): Param {
  const r = isRecord(input) ? input : {};
  if (!isRecord(input)) at(path, 'an object');
  const identifier = ident(r.identifier, `${path}.identifier`, at);
  return { identifier, name: str(r.name) ?? identifier, dataType: dataType(r.dataType, `${path}.dataType`, at) };
}

function dataType(input: unknown, path: string, at: At, allowed: readonly DataTypeName[] = TYPES): DataType {
  const r = isRecord(input) ? input : {};
  const type = r.type as DataTypeName;
  if (!allowed.includes(type)) {
    at(`${path}.type`, `one of ${allowed.join(', ')}`);
    return { type: 'text', specs: { length: 0 } };
  }
  const specs: unknown = r.specs ?? (type === 'struct' ? [] : {});
  const sp = `${path}.specs`;
  switch (type) {
    case 'int':
    case 'float':
    case 'double': {
      const s = isRecord(specs) ? specs : {};
      const min = num(s.min, `${sp}.min`, at);
      const max = num(s.max, `${sp}.max`, at);
      const step = num(s.step, `${sp}.step`, at);
      if (min !== undefined && max !== undefined && min > max) at(`${sp}.min`, 'not greater than max');
      if (step !== undefined && step <= 0) at(`${sp}.step`, 'greater than 0');
      if (type === 'int')
        for (const [k, v] of [
          ['min', min],
          ['max', max],
          ['step', step],
        ] as const)
          if (v !== undefined && !Number.isInteger(v)) at(`${sp}.${k}`, 'an integer');
      return {
        type,
        specs: {
          min,
          max,
          step,
          ...(str(s.unit) ? { unit: str(s.unit) } : {}),
          ...(str(s.unitName) ? { unitName: str(s.unitName) } : {}),
        },
      };
    }
    case 'text': {
      const s = isRecord(specs) ? specs : {};
      const length = num(s.length, `${sp}.length`, at) ?? 2048;
      if (!Number.isInteger(length) || length < 1 || length > 10240) at(`${sp}.length`, 'an integer from 1 to 10240');
      return { type, specs: { length } };
    }
    case 'date':
      return { type, specs: {} };
    case 'bool':
    case 'enum': {
      const s = isRecord(specs) ? specs : {};
      const keys = Object.keys(s);
      if (type === 'bool' && (keys.length !== 2 || !('0' in s) || !('1' in s))) at(sp, 'labels for "0" and "1"');
      if (type === 'enum' && (keys.length === 0 || keys.some((k) => !/^-?\d+$/.test(k))))
        at(sp, 'at least one integer key with its label');
      return { type, specs: Object.fromEntries(keys.map((k) => [k, String(s[k])])) };
    }
    case 'struct':
      return { type, specs: params(specs, sp, at) };
    case 'array': {
      const s = isRecord(specs) ? specs : {};
      const size = num(s.size, `${sp}.size`, at) ?? 128;
      if (!Number.isInteger(size) || size < 1 || size > 512) at(`${sp}.size`, 'an integer from 1 to 512');
      const item =
        isRecord(s.item) && s.item.specs === undefined && s.item.type !== 'struct'
          ? { ...s.item, specs: defaultSpecs(s.item.type) }
          : s.item;
      return { type, specs: { size, item: dataType(item, `${sp}.item`, at, ARRAY_ITEM_TYPES) } };
    }
  }
}

function defaultSpecs(type: unknown): unknown {
  return type === 'text' ? { length: 2048 } : {};
}

function ident(value: unknown, path: string, at: At): string {
  if (typeof value !== 'string' || !IDENTIFIER.test(value))
    at(path, 'letters, digits and _, not starting with a digit, at most 50');
  return typeof value === 'string' ? value : '';
}

function num(value: unknown, path: string, at: At): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isFinite(n)) {
    at(path, 'a number');
    return undefined;
  }
  return n;
}

function unique(items: { identifier: string }[], path: string, at: At): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (item.identifier && seen.has(item.identifier)) at(`${path}[${i}].identifier`, `duplicate "${item.identifier}"`);
    seen.add(item.identifier);
  });
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
