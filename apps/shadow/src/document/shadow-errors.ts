/**
 * Shadow error codes (protocol.md §2.5, Table 7-3), sent to devices as strings in
 * `payload.content.errorcode`. 413 and 400-for-depth are the platform's own limits (docs/protocol-decisions.md).
 */
export const SHADOW_ERRORS = {
  emptyJson: { code: 407, message: 'JSON file is empty' },
  incorrectJson: { code: 400, message: 'Incorrect JSON' },
  methodNotFound: { code: 401, message: 'method not found' },
  invalidMethod: { code: 406, message: 'invalid method' },
  stateNotFound: { code: 402, message: 'state not found' },
  invalidVersion: { code: 403, message: 'invalid version' },
  reportedNotFound: { code: 404, message: 'reported not found' },
  reportedEmpty: { code: 405, message: 'reported empty' },
  tooManyAttributes: { code: 408, message: 'reported or desired has more than 128 attributes' },
  versionConflict: { code: 409, message: 'Version conflict' },
  tooDeep: { code: 400, message: 'Incorrect JSON: attributes nested deeper than 5 levels' },
  tooLarge: { code: 413, message: 'shadow document larger than 16 KB (desired + reported)' },
  serverException: { code: 500, message: 'server exception' },
} as const;

export interface ShadowError {
  code: number;
  message: string;
}

/** protocol.md §2.5 and the limits. */
export const SHADOW_LIMITS = { attributes: 128, depth: 5, documentBytes: 16 * 1024 } as const;
