import { RESERVED_FIRST_LEVELS } from './topics';

const DEVICE_NAME = /^[A-Za-z0-9_\-@.:]{4,32}$/;
const PRODUCT_KEY = /^[A-Za-z0-9]{6,32}$/;

/**
 * A DeviceName is 4–32 characters from letters, digits, `-`, `_`, `@`, `.` and `:`
 * (protocol.md §0.1, S002 error 6280). Apply it wherever a DeviceName is created.
 */
export function isValidDeviceName(name: string): boolean {
  return DEVICE_NAME.test(name);
}

/**
 * A ProductKey is 6–32 ASCII letters and digits, and not one of the reserved first topic levels
 * (`shadow` is the only one long enough). The seeds state no format and the platform issues the
 * keys, so this is a [DECISION]: alphanumerics are safe as topic levels and URL segments, and the
 * length and reserved words keep `/{pk}/{dn}/…` custom topics apart from `/sys/…`, `/shadow/…`,
 * `/ota/…` and `/ext/…`.
 *
 * The seeds' worked examples use short keys (`pk`, `123`, `10000`); this check is for keys the
 * platform issues, not for parsing what a device sends.
 */
export function isValidProductKey(pk: string): boolean {
  return PRODUCT_KEY.test(pk) && !RESERVED_FIRST_LEVELS.includes(pk);
}
