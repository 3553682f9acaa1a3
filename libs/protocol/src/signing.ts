import { createHmac, timingSafeEqual } from 'node:crypto';

/** Canonical HMAC algorithm names of the device signature (protocol.md §1.2 step 5). */
export type SignMethod = 'hmacmd5' | 'hmacsha1' | 'hmacsha256';

/** The algorithm a request uses when it declares none (protocol.md §1.2). */
const DEFAULT_SIGN_METHOD: SignMethod = 'hmacmd5';

// Keys are lower-cased spellings. `hmacshal` is the seed's OCR of `hmacsha1`, and topo add and
// sub-device login list a bare `Sha256` that we read as the keyed HMAC (AMBIG-5).
const SIGN_METHOD_ALIASES: Readonly<Record<string, SignMethod>> = {
  hmacmd5: 'hmacmd5',
  md5: 'hmacmd5',
  hmacsha1: 'hmacsha1',
  hmacshal: 'hmacsha1',
  sha1: 'hmacsha1',
  hmacsha256: 'hmacsha256',
  sha256: 'hmacsha256',
};

const NODE_ALGORITHM: Readonly<Record<SignMethod, string>> = {
  hmacmd5: 'md5',
  hmacsha1: 'sha1',
  hmacsha256: 'sha256',
};

/**
 * Maps a declared sign method to its canonical name (protocol.md §1.2, AMBIG-5).
 *
 * Absent or blank → `hmacmd5`, the default. Matching is case-insensitive and accepts the seeds'
 * variants (`HmacMD5`, `hmacSha1`, OCR `hmacshal`, bare `sha1`/`md5`/`Sha256`).
 *
 * @returns the canonical method, or `undefined` for an unsupported algorithm.
 */
export function normalizeSignMethod(raw: string | undefined | null): SignMethod | undefined {
  const name = (raw ?? '').trim().toLowerCase();
  if (name === '') return DEFAULT_SIGN_METHOD;
  return Object.prototype.hasOwnProperty.call(SIGN_METHOD_ALIASES, name) ? SIGN_METHOD_ALIASES[name] : undefined;
}

/**
 * Parameters left out of the string to sign, per request type (protocol.md §1.2 step 1).
 * Names are compared case-insensitively, so `signMethod` is excluded by `signmethod`.
 */
export const SIGN_EXCLUDE = {
  /** HTTPS MQTT-auth (`/auth/devicename`) and CoAP auth. */
  mqttAuth: ['version', 'sign', 'resources', 'signmethod'],
  /** HTTP data channel `/auth`. */
  httpAuth: ['version', 'sign', 'signmethod'],
  /** Direct-device dynamic registration (`/auth/register/device`). */
  register: ['sign', 'signmethod'],
  /** topo add, sub-device register and sub-device login. */
  subDevice: ['sign', 'signmethod'],
} as const;

/** A request parameter value as it arrives from a form, JSON body or CONNECT packet. */
export type SignParamValue = string | number | boolean | null | undefined;

/**
 * Builds the string to sign (protocol.md §1.2 steps 1–3): drops the `exclude`d names
 * (case-insensitively) and null/undefined values, sorts the remaining names in plain UTF-16
 * code-unit order and concatenates `name + value` with no separators.
 */
export function signContent(params: Readonly<Record<string, SignParamValue>>, exclude: readonly string[]): string {
  const excluded = new Set(exclude.map((name) => name.toLowerCase()));
  const kept: [string, string][] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null || excluded.has(name.toLowerCase())) continue;
    kept.push([name, String(value)]);
  }
  // Default sort compares code units: the [DECISION] of §1.2 step 2, not locale order.
  kept.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return kept.map(([name, value]) => name + value).join('');
}

/** `hex(HMAC_method(key, content))` in lowercase, key and content encoded as UTF-8. */
export function hmacHex(method: SignMethod, key: string, content: string): string {
  return createHmac(NODE_ALGORITHM[method], key).update(content, 'utf8').digest('hex');
}

const HEX = /^[0-9a-f]+$/;

/**
 * Compares two hex signatures case-insensitively in constant time (protocol.md §1.2 step 4).
 * Returns false when either is empty or not hex, or when the lengths differ.
 */
export function signatureMatches(expectedHex: string, providedHex: string): boolean {
  const expected = expectedHex.toLowerCase();
  const provided = providedHex.toLowerCase();
  if (!HEX.test(expected) || !HEX.test(provided) || expected.length !== provided.length) return false;
  return timingSafeEqual(Buffer.from(expected, 'latin1'), Buffer.from(provided, 'latin1'));
}
