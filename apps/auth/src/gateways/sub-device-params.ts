import { hmacHex, normalizeSignMethod, SIGN_EXCLUDE, signatureMatches, signContent } from '@iot/protocol';

/** Gateway result codes (protocol.md §5, §10). */
export const GATEWAY_CODE = {
  ok: 200,
  authError: 401,
  sessionError: 520,
  deviceDeleted: 521,
  deviceForbidden: 522,
  connectElsewhere: 427,
  tooManySubDevices: 428,
  tooManyRequests: 429,
  paramError: 460,
  deviceNotFound: 6100,
  productNotFound: 6250,
  deviceNameInvalid: 6280,
  alreadyActivated: 6289,
  dynamicRegistrationDisabled: 6288,
  invalidSign: 6287,
  topoNotExist: 6401,
  topoSelf: 6402,
} as const;

export interface DeviceParam {
  productKey: string;
  deviceName: string;
}

/** `params` as a list of `{productKey, deviceName, …}` objects with string values; undefined when malformed. */
export function deviceParamList(params: unknown): (DeviceParam & Record<string, string>)[] | undefined {
  if (!Array.isArray(params) || params.length === 0) return undefined;
  const list = params.map(stringParams);
  return list.every((p) => p?.productKey && p.deviceName)
    ? (list as (DeviceParam & Record<string, string>)[])
    : undefined;
}

/** An object's scalar members as strings (signatures are over their text; the SDK sends a numeric timestamp). */
export function stringParams(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  }
  return out;
}

/**
 * A sub-device's signature (topo/add, combine/login; protocol.md §5.2–5.3): HMAC with its DeviceSecret over
 * every parameter but `sign` and `signMethod`/`signmethod`, sorted. `Sha256` means hmacsha256 (AMBIG-5).
 */
export function subDeviceSignatureValid(params: Record<string, string>, deviceSecret: string): boolean {
  const method = normalizeSignMethod(params.signMethod ?? params.signmethod);
  if (!method || !params.sign) return false;
  return signatureMatches(hmacHex(method, deviceSecret, signContent(params, SIGN_EXCLUDE.subDevice)), params.sign);
}
