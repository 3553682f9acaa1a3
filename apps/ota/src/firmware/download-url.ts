import { createHmac, timingSafeEqual } from 'node:crypto';

/** Firmware files are named by their SHA-256; anything else in a path is refused before touching the disk. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;

export const DOWNLOAD_PATH_PREFIX = '/firmware/';

/** HMAC-SHA256 over the file and the expiry: a URL opens exactly one file until exactly that time. */
export function downloadSignature(secret: string, sha256: string, expires: number): string {
  return createHmac('sha256', secret).update(`${DOWNLOAD_PATH_PREFIX}${sha256}\n${expires}`).digest('hex');
}

/** `{base}/firmware/{sha256}?expires={epoch s}&signature={hex}` */
export function downloadUrl(base: string, secret: string, sha256: string, expiresAt: Date): string {
  const expires = Math.floor(expiresAt.getTime() / 1000);
  return `${base}${DOWNLOAD_PATH_PREFIX}${sha256}?expires=${expires}&signature=${downloadSignature(secret, sha256, expires)}`;
}

export type DownloadCheck = { ok: true } | { ok: false; reason: string };

export function verifyDownload(
  secret: string,
  sha256: string,
  expires: unknown,
  signature: unknown,
  now: Date,
): DownloadCheck {
  if (!SHA256_HEX.test(sha256)) return { ok: false, reason: 'not a firmware file' };
  if (typeof expires !== 'string' || !/^\d{1,12}$/.test(expires) || typeof signature !== 'string')
    return { ok: false, reason: 'missing or malformed expires/signature' };
  const expected = Buffer.from(downloadSignature(secret, sha256, Number(expires)), 'hex');
  const given = /^[0-9a-f]{64}$/.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: 'bad signature' };
  if (Number(expires) * 1000 < now.getTime()) return { ok: false, reason: 'URL expired' };
  return { ok: true };
}
