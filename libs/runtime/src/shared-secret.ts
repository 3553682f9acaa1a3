import { Logger } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * A secret a caller must present (e.g. EMQX's `x-emqx-secret` header), checked in constant time. An empty
 * configured secret refuses every call: an open endpoint would let anyone who reaches the port in.
 */
export class SharedSecret {
  private readonly digest?: Buffer;

  constructor(secret: string, endpoint: string) {
    if (secret === '')
      new Logger(SharedSecret.name).error(`the secret of ${endpoint} is empty: every call will get 401`);
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
