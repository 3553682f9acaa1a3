import { HttpStatus } from '@nestjs/common';
import { ErrorCode } from '@iot/contracts';

/** The one place domain error codes become HTTP statuses. */
export const ERROR_STATUS: Record<ErrorCode, HttpStatus> = {
  [ErrorCode.VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [ErrorCode.UNAUTHORIZED]: HttpStatus.UNAUTHORIZED,
  [ErrorCode.FORBIDDEN]: HttpStatus.FORBIDDEN,
  [ErrorCode.PRODUCT_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.DEVICE_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.PRODUCT_NOT_EMPTY]: HttpStatus.CONFLICT,
  [ErrorCode.DEVICE_ALREADY_EXISTS]: HttpStatus.CONFLICT,
  [ErrorCode.DEVICE_LIMIT_REACHED]: HttpStatus.CONFLICT,
  [ErrorCode.SHADOW_INVALID]: HttpStatus.BAD_REQUEST,
  [ErrorCode.SHADOW_VERSION_CONFLICT]: HttpStatus.CONFLICT,
  [ErrorCode.THING_MODEL_INVALID]: HttpStatus.BAD_REQUEST,
  [ErrorCode.TSL_VALIDATION_FAILED]: HttpStatus.BAD_REQUEST,
  [ErrorCode.DEVICE_OFFLINE]: HttpStatus.CONFLICT,
  [ErrorCode.COMMAND_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.COMMAND_NOT_CANCELLABLE]: HttpStatus.CONFLICT,
  [ErrorCode.COMMAND_TIMEOUT]: HttpStatus.GATEWAY_TIMEOUT,
  [ErrorCode.RULE_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.RULE_INVALID]: HttpStatus.BAD_REQUEST,
  [ErrorCode.DEAD_LETTER_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.FIRMWARE_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.FIRMWARE_ALREADY_EXISTS]: HttpStatus.CONFLICT,
  [ErrorCode.FIRMWARE_IN_USE]: HttpStatus.CONFLICT,
  [ErrorCode.FIRMWARE_TOO_LARGE]: HttpStatus.PAYLOAD_TOO_LARGE,
  [ErrorCode.FIRMWARE_CHECKSUM_MISMATCH]: HttpStatus.UNPROCESSABLE_ENTITY,
  [ErrorCode.CAMPAIGN_NOT_FOUND]: HttpStatus.NOT_FOUND,
  [ErrorCode.CAMPAIGN_NOT_CANCELLABLE]: HttpStatus.CONFLICT,
  [ErrorCode.SERVICE_UNAVAILABLE]: HttpStatus.SERVICE_UNAVAILABLE,
  [ErrorCode.INTERNAL]: HttpStatus.INTERNAL_SERVER_ERROR,
};
