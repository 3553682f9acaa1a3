/**
 * Value semantics of the rule dialect. Values are JSON values; `null` is SQL's NULL (unknown), and a
 * missing field is null. Comparisons and arithmetic involving null give null, and a condition holds only
 * when it is `true` (three-valued logic, as in SQL).
 */
export type Value = null | boolean | number | string | Value[] | { [key: string]: Value };

/** true, false or null (unknown). */
export type Truth = boolean | null;

const NUMERIC = /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/;

/** Numbers, and strings that hold a number ("30.5", as devices often send them); anything else is null. */
export function toNumber(value: Value): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
  return null;
}

/** Text for the string functions: strings as they are, numbers and booleans printed, objects as JSON. */
export function toText(value: Value): string | null {
  if (value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Only a boolean is a truth value; anything else in a condition is unknown. */
export function toTruth(value: Value): Truth {
  return typeof value === 'boolean' ? value : null;
}

export function isObject(value: Value): value is { [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * `=`: null when either side is null; a number equals a string holding the same number; objects and
 * arrays compare by content; values of different types are not equal.
 */
export function equals(a: Value, b: Value): Truth {
  if (a === null || b === null) return null;
  if (typeof a === 'number' || typeof b === 'number') {
    const x = toNumber(a);
    const y = toNumber(b);
    return x !== null && y !== null && x === y;
  }
  if (typeof a !== 'object' || typeof b !== 'object') return a === b;
  return deepEqual(a, b);
}

function deepEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  const ka = Object.keys(a);
  const ob = b as { [key: string]: Value };
  const oa = a as { [key: string]: Value };
  return ka.length === Object.keys(ob).length && ka.every((k) => k in ob && deepEqual(oa[k], ob[k]));
}

/**
 * Ordering for `<`, `<=`, `>`, `>=` and BETWEEN: numbers (with numeric strings), or two strings
 * (by code point). Negative, zero or positive; null when the two cannot be ordered.
 */
export function compare(a: Value, b: Value): number | null {
  if (a === null || b === null) return null;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === null || y === null) return null;
  return x - y;
}

export function and(a: Truth, b: () => Truth): Truth {
  if (a === false) return false;
  const right = b();
  if (right === false) return false;
  return a === true && right === true ? true : null;
}

export function or(a: Truth, b: () => Truth): Truth {
  if (a === true) return true;
  const right = b();
  if (right === true) return true;
  return a === false && right === false ? false : null;
}

export function not(a: Truth): Truth {
  return a === null ? null : !a;
}

/** Arithmetic on numbers (and numeric strings); null for anything else, division by zero, and overflow. */
export function arithmetic(op: '+' | '-' | '*' | '/' | '%', a: Value, b: Value): number | null {
  const x = toNumber(a);
  const y = toNumber(b);
  if (x === null || y === null) return null;
  let result: number;
  switch (op) {
    case '+':
      result = x + y;
      break;
    case '-':
      result = x - y;
      break;
    case '*':
      result = x * y;
      break;
    case '/':
      if (y === 0) return null;
      result = x / y;
      break;
    case '%':
      if (y === 0) return null;
      result = x % y;
      break;
  }
  return Number.isFinite(result) ? result : null;
}

/** A field path into a JSON value: a missing key, an index out of range or a step into a scalar give null. */
export function getPath(root: Value | undefined, path: readonly (string | number)[]): Value {
  let current: Value | undefined = root;
  for (const step of path) {
    if (current === null || current === undefined || typeof current !== 'object') return null;
    if (typeof step === 'number') {
      current = Array.isArray(current) ? current[step] : undefined;
    } else {
      current = Array.isArray(current) ? undefined : Object.hasOwn(current, step) ? current[step] : undefined;
    }
  }
  return current === undefined ? null : current;
}

/**
 * LIKE: `%` matches any run of characters, `_` exactly one, and a backslash makes the next character
 * literal (`'100\\%'` in SQL text, whose string value is `100\%`). Matches the whole value.
 */
export function likePattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]);
    else if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += escapeRegExp(c);
  }
  return new RegExp(`^${source}$`, 'u');
}

function escapeRegExp(c: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(c) ? `\\${c}` : c;
}
