import { hmacHex, normalizeSignMethod, signatureMatches, signContent, type SignMethod } from './signing';

/** Smallest MQTT keepalive a device may request, in seconds (protocol.md §1.3, §1.8). */
export const KEEPALIVE_MIN_SECONDS = 30;
/** Largest MQTT keepalive a device may request, in seconds (protocol.md §1.3, §1.8). */
export const KEEPALIVE_MAX_SECONDS = 1200;
/** Longest bare clientId, the part before `|…|` (protocol.md §0.1, AMBIG-3). */
export const CLIENT_ID_MAX_LENGTH = 64;

/**
 * Whether a CONNECT keepalive is acceptable: an integer from 30 to 1200 s inclusive.
 * 0 (keepalive disabled) is rejected too (protocol.md §1.3, TF-13).
 */
export function isKeepaliveAllowed(seconds: number): boolean {
  return Number.isInteger(seconds) && seconds >= KEEPALIVE_MIN_SECONDS && seconds <= KEEPALIVE_MAX_SECONDS;
}

/** An Aliyun-style MQTT ClientId `clientId|k=v,k=v|`, split into its parts (protocol.md §1.3). */
export interface ParsedClientId {
  /** The bare clientId before the first `|`, verbatim: it is what the password signs. */
  clientId: string;
  /** `2` (TLS / WSS) or `3` (TCP / WS), as sent. */
  securemode?: string;
  /** As sent; see {@link normalizeSignMethod}. Absent means hmacmd5. */
  signmethod?: string;
  /** As sent (ms); never checked for freshness, SDKs reuse it for a process's lifetime. */
  timestamp?: string;
  /** Every `k=v` pair of the extension block, trimmed, including unknown keys (`lan`, `_v`). */
  extensions: Record<string, string>;
}

/**
 * Parses an MQTT CONNECT ClientId of the form `clientId|k=v,k=v|` (protocol.md §1.3).
 *
 * - Spaces around keys and values are trimmed (the seed's Java demo has stray ones, and also
 *   leaves whitespace after the closing `|`, which is tolerated).
 * - Unknown keys are kept in `extensions` and otherwise ignored; `id||` (no pairs) is valid.
 * - The known keys `securemode`, `signmethod`, `timestamp` are matched case-insensitively; when a
 *   key repeats, the last value wins.
 *
 * @returns `undefined` (→ CONNACK 2) when the `|…|` block is missing, the bare clientId is empty or
 *   longer than {@link CLIENT_ID_MAX_LENGTH}, or a pair has no `=` or an empty key.
 */
export function parseMqttClientId(raw: string): ParsedClientId | undefined {
  const text = raw.trimEnd();
  const open = text.indexOf('|');
  if (open < 0 || open === text.length - 1 || !text.endsWith('|')) return undefined;
  const clientId = text.slice(0, open);
  const block = text.slice(open + 1, -1);
  if (clientId === '' || clientId.length > CLIENT_ID_MAX_LENGTH || block.includes('|')) return undefined;

  // No prototype, so a device sending `__proto__=x` cannot reach Object.prototype.
  const extensions = Object.create(null) as Record<string, string>;
  for (const pair of block.split(',')) {
    // A trailing or doubled comma leaves an empty segment; it carries nothing, so skip it.
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    if (eq < 0) return undefined;
    const key = pair.slice(0, eq).trim();
    if (key === '') return undefined;
    extensions[key] = pair.slice(eq + 1).trim();
  }

  const parsed: ParsedClientId = { clientId, extensions };
  for (const [key, value] of Object.entries(extensions)) {
    const known = key.toLowerCase();
    if (known === 'securemode' || known === 'signmethod' || known === 'timestamp') parsed[known] = value;
  }
  return parsed;
}

/** The MQTT CONNECT username `deviceName&productKey` (protocol.md §1.3). */
export interface MqttUsername {
  deviceName: string;
  productKey: string;
}

/**
 * Splits `deviceName&productKey` on the first `&` (a DeviceName cannot contain `&`).
 *
 * @returns `undefined` when there is no `&` or either side is empty (e.g. an iotId username).
 */
export function parseMqttUsername(username: string): MqttUsername | undefined {
  const amp = username.indexOf('&');
  if (amp <= 0 || amp === username.length - 1) return undefined;
  return { deviceName: username.slice(0, amp), productKey: username.slice(amp + 1) };
}

/**
 * The MQTT password's string to sign (protocol.md §1.3): sorted `name+value` of the bare
 * `clientId`, `deviceName`, `productKey`, `timestamp` (only if present) and any `extra` params.
 * `extra` exists for aliyun-iot-mqtt 0.0.1, which also signs its `regionId` option
 * (sdk-compat §1.3); it can never override the four standard fields.
 */
export function mqttSignContent(c: {
  clientId: string;
  deviceName: string;
  productKey: string;
  timestamp?: string;
  extra?: Record<string, string>;
}): string {
  return signContent(
    { ...c.extra, clientId: c.clientId, deviceName: c.deviceName, productKey: c.productKey, timestamp: c.timestamp },
    [],
  );
}

/**
 * Checks an MQTT CONNECT password against the device secret (protocol.md §1.3, sdk-compat §5.3).
 * Hex is compared case-insensitively and in constant time. Accepted signatures:
 *
 * 1. Always: the declared `signmethod` (hmacmd5 when none is declared) over the standard content.
 *    An unrecognised `signmethod` rejects the CONNECT outright.
 * 2. Only when a `signmethod` is explicitly declared: HMAC-SHA1 over the standard content, because
 *    alibabacloud-iot-device-sdk 1.2.8 always signs SHA1 whatever it declares (sdk-compat §2.2).
 * 3. Only when a `signmethod` is explicitly declared, for each of `regionIds`: HMAC-SHA1 over the
 *    content that also contains `regionId<region>`, as aliyun-iot-mqtt 0.0.1 signs (sdk-compat
 *    §1.3; that SDK always declares `hmacsha1`).
 *
 * The SHA1 fallbacks are gated on an explicit declaration because with none the default is MD5
 * and a SHA1 password must be refused (TF-5); no SDK omits the declaration.
 */
export function verifyMqttPassword(input: {
  parsed: ParsedClientId;
  deviceName: string;
  productKey: string;
  deviceSecret: string;
  password: string;
  regionIds?: readonly string[];
}): boolean {
  const { parsed, deviceName, productKey, deviceSecret, password } = input;
  const declared = parsed.signmethod !== undefined && parsed.signmethod.trim() !== '';
  const method = normalizeSignMethod(parsed.signmethod);
  if (method === undefined) return false;

  const base = { clientId: parsed.clientId, deviceName, productKey, timestamp: parsed.timestamp };
  const standard = mqttSignContent(base);
  const candidates: [SignMethod, string][] = [[method, standard]];
  if (declared) {
    if (method !== 'hmacsha1') candidates.push(['hmacsha1', standard]);
    for (const regionId of input.regionIds ?? []) {
      candidates.push(['hmacsha1', mqttSignContent({ ...base, extra: { regionId } })]);
    }
  }
  return candidates.some(([alg, content]) => signatureMatches(hmacHex(alg, deviceSecret, content), password));
}

/**
 * MQTT 3.1.1 CONNACK return codes and when the platform sends each (protocol.md §1.3).
 */
export const CONNACK = {
  /** Connection accepted. */
  accepted: 0,
  /** Unacceptable protocol version (not MQTT 3.1.1). */
  badProtocol: 1,
  /** Malformed clientId or extension block, or keepalive outside 30–1200 s. */
  identifierRejected: 2,
  /** Invalid or expired iotId / iotToken (the one code taken from the seed, S002 §3.1). */
  serverUnavailable: 3,
  /** Bad username or password: signature mismatch or unknown device. */
  badCredentials: 4,
  /** Device disabled or deleted. */
  notAuthorized: 5,
} as const;
