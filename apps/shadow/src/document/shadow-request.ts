import { depthOf, isNullMarker, isObject, type Json, type JsonObject } from './json';
import { SECTIONS, type StateChange } from './shadow-document';
import { SHADOW_ERRORS, SHADOW_LIMITS, type ShadowError } from './shadow-errors';

export type ShadowRequest =
  | { method: 'get'; clientToken?: string }
  | { method: 'update' | 'delete'; change: StateChange; version?: number; clientToken?: string }
  /** `{"method":"delete","version":N}` with no state: the whole document goes (its version does not reset). */
  | { method: 'delete'; document: true; version?: number; clientToken?: string };

export type ParseResult = { ok: true; request: ShadowRequest } | { ok: false; error: ShadowError };

const fail = (error: ShadowError): ParseResult => ({ ok: false, error });

/**
 * Parses and validates a request on `/shadow/update/{pk}/{dn}` (or the application's ShadowMessage) in the
 * order of protocol.md §2.5: 407, 400, 401, 406, 402, 403, 404, 405, 408 — then depth. The checks that need
 * the stored document (408 after merge, 409, size) come later, in {@link planUpdate}.
 */
export function parseShadowRequest(payload: Buffer | string): ParseResult {
  const text = (typeof payload === 'string' ? payload : payload.toString('utf8')).trim();
  if (text.length === 0) return fail(SHADOW_ERRORS.emptyJson);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return fail(SHADOW_ERRORS.incorrectJson);
  }
  if (!isObject(body)) return fail(SHADOW_ERRORS.incorrectJson);
  if (Object.keys(body).length === 0) return fail(SHADOW_ERRORS.emptyJson);
  if (!('method' in body)) return fail(SHADOW_ERRORS.methodNotFound);
  const method = body.method;
  if (method !== 'update' && method !== 'get' && method !== 'delete') return fail(SHADOW_ERRORS.invalidMethod);
  const clientToken = typeof body.clientToken === 'string' ? body.clientToken : undefined;
  if (method === 'get') return { ok: true, request: { method, clientToken } };

  const hasState = 'state' in body && body.state !== undefined;
  const hasVersion = 'version' in body && body.version !== undefined;
  if (!hasState && (method === 'update' || !hasVersion)) return fail(SHADOW_ERRORS.stateNotFound);
  let version: number | undefined;
  if (hasVersion) {
    if (!isVersion(body.version)) return fail(SHADOW_ERRORS.invalidVersion);
    version = body.version;
  }
  if (!hasState) return { ok: true, request: { method: 'delete', document: true, version, clientToken } };

  const state = body.state;
  if (!isObject(state) || (state.desired === undefined && state.reported === undefined)) {
    return fail(SHADOW_ERRORS.reportedNotFound);
  }
  if (isObject(state.reported) && Object.keys(state.reported).length === 0) return fail(SHADOW_ERRORS.reportedEmpty);
  const change: StateChange = {};
  for (const section of SECTIONS) {
    const value: Json | undefined = state[section];
    if (value === undefined) continue;
    if (isNullMarker(value)) {
      change[section] = { kind: 'clear' };
    } else if (isObject(value)) {
      if (Object.keys(value).length > SHADOW_LIMITS.attributes) return fail(SHADOW_ERRORS.tooManyAttributes);
      change[section] = method === 'update' ? { kind: 'merge', patch: value } : { kind: 'delete-keys', keys: value };
    } else {
      return fail({
        code: SHADOW_ERRORS.incorrectJson.code,
        message: `Incorrect JSON: state.${section} must be an object or "null"`,
      });
    }
  }
  for (const section of SECTIONS) {
    const c = change[section];
    if (c?.kind === 'merge' && depthOf(c.patch) > SHADOW_LIMITS.depth) return fail(SHADOW_ERRORS.tooDeep);
  }
  return { ok: true, request: { method, change, version, clientToken } };
}

function isVersion(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/** Narrows a parsed request to one that writes. */
export type WriteRequest = Exclude<ShadowRequest, { method: 'get' }>;
export type { JsonObject };
