import { createHmac, timingSafeEqual } from 'node:crypto';

/** How long a configuration download link stays valid. */
export const LINK_TTL_SECONDS = 3600;

/** Signed, expiring download links for configuration files: `/config/{pk}/{configId}?expires=…&signature=…`. */
export class ConfigLinks {
  private readonly key: Buffer;

  constructor(
    secretKey: Buffer,
    private readonly baseUrl: string,
  ) {
    // A key of its own, derived from the platform secret: a leaked link signature reveals nothing else.
    this.key = createHmac('sha256', secretKey).update('config-download-links').digest();
  }

  url(productKey: string, configId: string, now = Date.now()): string {
    const expires = String(Math.floor(now / 1000) + LINK_TTL_SECONDS);
    const path = `/config/${encodeURIComponent(productKey)}/${encodeURIComponent(configId)}`;
    return `${this.baseUrl.replace(/\/$/, '')}${path}?expires=${expires}&signature=${this.sign(productKey, configId, expires)}`;
  }

  valid(productKey: string, configId: string, expires: string, signature: string, now = Date.now()): boolean {
    if (!/^\d+$/.test(expires) || Number(expires) * 1000 < now) return false;
    const expected = Buffer.from(this.sign(productKey, configId, expires));
    const given = Buffer.from(signature);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }

  private sign(productKey: string, configId: string, expires: string): string {
    return createHmac('sha256', this.key).update(`${productKey}\n${configId}\n${expires}`).digest('hex');
  }
}
