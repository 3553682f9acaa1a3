// The Alink JSON envelope carried on every `/sys/…` topic (protocol.md §0.2).

/** An Alink request, as sent by a device (upstream) or by the platform (downstream). */
export interface AlinkRequest {
  /** Seeds send it as a string or a number; the reply echoes it with the same JSON type. */
  id: string | number;
  /** Always "1.0" in practice; any string is accepted. */
  version: string;
  /** An object or an array. */
  params: unknown;
  /** Dotted method, e.g. `thing.event.property.post`; the SDK's sub-device login sends `""`. */
  method?: string;
}

/** An Alink reply. `code` 200 means success (protocol.md §7.5). */
export interface AlinkReply {
  id: string | number;
  code: number;
  data: unknown;
  message?: string;
  method?: string;
  version?: string;
}

/**
 * Result codes of Alink replies (protocol.md §7.5). Device-specific errors use 100000–110000.
 */
export const ALINK_CODE = {
  success: 200,
  /** "request error": internal service error. */
  requestError: 400,
  /** "request parameter error": input verification failed. */
  paramError: 460,
  /** "too many requests". */
  tooManyRequests: 429,
  /** Unknown platform-side error. */
  internal: 500,
} as const;

/** Outcome of {@link parseAlinkRequest}; `reason` is for logs, not for devices. */
export type AlinkParseResult = { ok: true; request: AlinkRequest } | { ok: false; reason: string };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parses and validates an Alink request payload (protocol.md §0.2).
 *
 * Requires a JSON object whose `id` is a string or a finite number. `version`, when present, must
 * be a string (default "1.0"); `params`, when present, must be an object or an array (default
 * `{}`); `method`, when present, must be a string. Other fields are ignored.
 */
export function parseAlinkRequest(payload: Buffer | string): AlinkParseResult {
  const text = typeof payload === 'string' ? payload : payload.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (!isPlainObject(json)) return { ok: false, reason: 'payload is not a JSON object' };

  const { id, version, params, method } = json;
  if (typeof id !== 'string' && !(typeof id === 'number' && Number.isFinite(id))) {
    return { ok: false, reason: 'id must be a string or a number' };
  }
  if (version !== undefined && typeof version !== 'string') return { ok: false, reason: 'version must be a string' };
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    return { ok: false, reason: 'params must be an object or an array' };
  }
  if (method !== undefined && typeof method !== 'string') return { ok: false, reason: 'method must be a string' };

  const request: AlinkRequest = { id, version: version ?? '1.0', params: params ?? {} };
  if (method !== undefined) request.method = method;
  return { ok: true, request };
}

/**
 * Builds the reply to `request` (protocol.md §0.2): `id` echoed verbatim with its JSON type,
 * `version` echoed, `method` echoed when present, and `message` defaulting to "success" for code
 * 200 (sdk-compat §2.4: the shape the official SDK matches).
 */
export function alinkReply(
  request: Pick<AlinkRequest, 'id' | 'method' | 'version'>,
  code: number,
  data: unknown,
  message?: string,
): AlinkReply {
  const reply: AlinkReply = { id: request.id, code, data };
  const text = message ?? (code === ALINK_CODE.success ? 'success' : undefined);
  if (text !== undefined) reply.message = text;
  if (request.method !== undefined) reply.method = request.method;
  reply.version = request.version;
  return reply;
}
