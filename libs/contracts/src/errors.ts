/**
 * Stable error codes shared by every service. Only apps/api maps them to HTTP statuses
 * (apps/api/src/common/error-status.ts); device-facing errors use the protocol's own codes instead.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  PRODUCT_NOT_FOUND: 'PRODUCT_NOT_FOUND',
  PRODUCT_NOT_EMPTY: 'PRODUCT_NOT_EMPTY',
  DEVICE_NOT_FOUND: 'DEVICE_NOT_FOUND',
  DEVICE_ALREADY_EXISTS: 'DEVICE_ALREADY_EXISTS',
  DEVICE_LIMIT_REACHED: 'DEVICE_LIMIT_REACHED',
  /** The shadow request failed a protocol check; `details.errorcode` is the protocol's code (protocol.md §2.5). */
  SHADOW_INVALID: 'SHADOW_INVALID',
  SHADOW_VERSION_CONFLICT: 'SHADOW_VERSION_CONFLICT',
  THING_MODEL_INVALID: 'THING_MODEL_INVALID',
  /** Arguments that do not fit the thing model (460 on the device side). */
  TSL_VALIDATION_FAILED: 'TSL_VALIDATION_FAILED',
  DEVICE_OFFLINE: 'DEVICE_OFFLINE',
  COMMAND_NOT_FOUND: 'COMMAND_NOT_FOUND',
  COMMAND_NOT_CANCELLABLE: 'COMMAND_NOT_CANCELLABLE',
  COMMAND_TIMEOUT: 'COMMAND_TIMEOUT',
  RULE_NOT_FOUND: 'RULE_NOT_FOUND',
  /** The rule cannot be saved: bad SQL (`details` has line, column, offset) or a bad action. */
  RULE_INVALID: 'RULE_INVALID',
  DEAD_LETTER_NOT_FOUND: 'DEAD_LETTER_NOT_FOUND',
  FIRMWARE_NOT_FOUND: 'FIRMWARE_NOT_FOUND',
  /** The product already has a firmware with this version. */
  FIRMWARE_ALREADY_EXISTS: 'FIRMWARE_ALREADY_EXISTS',
  /** A running campaign still uses the firmware. */
  FIRMWARE_IN_USE: 'FIRMWARE_IN_USE',
  FIRMWARE_TOO_LARGE: 'FIRMWARE_TOO_LARGE',
  /** The uploaded bytes do not have the MD5 or SHA-256 the uploader announced. */
  FIRMWARE_CHECKSUM_MISMATCH: 'FIRMWARE_CHECKSUM_MISMATCH',
  CAMPAIGN_NOT_FOUND: 'CAMPAIGN_NOT_FOUND',
  /** Only a running campaign can be cancelled. */
  CAMPAIGN_NOT_CANCELLABLE: 'CAMPAIGN_NOT_CANCELLABLE',
  CONFIG_NOT_FOUND: 'CONFIG_NOT_FOUND',
  /** A signed URL that is wrong or expired. */
  LINK_INVALID: 'LINK_INVALID',
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A failure a caller can act on: thrown by services, carried across NATS, mapped to HTTP by apps/api. */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** Wire shape of every RPC reply, so errors survive the hop between processes. */
export type RpcReply<T> =
  { ok: true; data: T } | { ok: false; error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };
