import { Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The shared secret EMQX sends in `x-emqx-secret` (the `headers` of its authenticator and authz source). */
export const EMQX_AUTHN_SECRET = Symbol('EMQX_AUTHN_SECRET');

/** Checks `x-emqx-secret` in constant time. An empty configured secret refuses every call. */
export class EmqxSecret {
  private readonly digest?: Buffer;

  constructor(secret: string, endpoint: string) {
    if (secret === '')
      new Logger(EmqxSecret.name).warn(`EMQX webhook secret is empty: every ${endpoint} call will get 401`);
    else this.digest = digest(secret);
  }

  matches(provided: string | undefined): boolean {
    if (this.digest === undefined || provided === undefined) return false;
    return timingSafeEqual(this.digest, digest(provided));
  }
}

// Comparing fixed-length digests keeps the comparison constant-time whatever the lengths.
function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}
