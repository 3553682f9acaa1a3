import { isRecord } from './tsl-document';
import type { DataType, Param } from './tsl-types';

/** Why a value was refused; kept with every dropped value so firmware bugs never vanish silently. */
export type ValueProblem =
  | 'wrong type'
  | 'out of range'
  | 'not a multiple of step'
  | 'too long'
  | 'not an allowed value'
  | 'too many items'
  | 'unknown member';

export type ValueResult = { ok: true; value: unknown } | { ok: false; problem: ValueProblem; path: string };

const ok = (value: unknown): ValueResult => ({ ok: true, value });
const bad = (problem: ValueProblem, path = ''): ValueResult => ({ ok: false, problem, path });

/**
 * Checks a value against its data type (protocol.md §4.1 [DECISION]) and returns it normalized: numbers
 * given as strings (Alibaba's property set sends `"30.5"`, AMBIG-13) become numbers, booleans 0/1.
 */
export function validateValue(type: DataType, value: unknown, path = ''): ValueResult {
  switch (type.type) {
    case 'int':
    case 'float':
    case 'double': {
      const n = toNumber(value);
      if (n === undefined || (type.type === 'int' && !Number.isInteger(n))) return bad('wrong type', path);
      const { min, max, step } = type.specs;
      if ((min !== undefined && n < min) || (max !== undefined && n > max)) return bad('out of range', path);
      if (step !== undefined && !isMultiple(n - (min ?? 0), step)) return bad('not a multiple of step', path);
      return ok(n);
    }
    case 'text':
      if (typeof value !== 'string') return bad('wrong type', path);
      return [...value].length > type.specs.length ? bad('too long', path) : ok(value);
    case 'date': {
      const n = toNumber(value);
      return n === undefined || !Number.isInteger(n) || n < 0 ? bad('wrong type', path) : ok(n);
    }
    case 'bool':
    case 'enum': {
      const n = typeof value === 'boolean' && type.type === 'bool' ? Number(value) : toNumber(value);
      if (n === undefined || !Number.isInteger(n)) return bad('wrong type', path);
      return String(n) in type.specs ? ok(n) : bad('not an allowed value', path);
    }
    case 'struct':
      return validateParams(type.specs, value, path, { unknown: 'refuse' });
    case 'array': {
      if (!Array.isArray(value)) return bad('wrong type', path);
      if (value.length > type.specs.size) return bad('too many items', path);
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) {
        const r = validateValue(type.specs.item, value[i], `${path}[${i}]`);
        if (!r.ok) return r;
        out.push(r.value);
      }
      return ok(out);
    }
  }
}

/**
 * Validates an object of named parameters (service input/output, event output, struct members).
 * Members are optional; an unknown member is refused, unless told to drop it.
 */
export function validateParams(
  params: readonly Param[],
  value: unknown,
  path = '',
  options: { unknown: 'refuse' | 'drop' } = { unknown: 'refuse' },
): ValueResult {
  if (!isRecord(value)) return bad('wrong type', path);
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const member = params.find((p) => p.identifier === key);
    const memberPath = path ? `${path}.${key}` : key;
    if (!member) {
      if (options.unknown === 'refuse') return bad('unknown member', memberPath);
      continue;
    }
    const r = validateValue(member.dataType, v, memberPath);
    if (!r.ok) return r;
    out[key] = r.value;
  }
  return ok(out);
}

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

/** Multiples of decimal steps (0.1, 0.01) computed without binary floating-point noise. */
function isMultiple(n: number, step: number): boolean {
  const q = n / step;
  return Math.abs(q - Math.round(q)) < 1e-9;
}
