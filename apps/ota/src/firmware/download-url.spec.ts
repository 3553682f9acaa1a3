import { describe, expect, it } from 'vitest';
import { downloadSignature, downloadUrl, verifyDownload } from './download-url';

const secret = 'a-secret-of-sixteen-or-more';
const sha = 'ab'.repeat(32);
const other = 'cd'.repeat(32);
const now = new Date('2026-01-01T00:00:00Z');
const expires = Math.floor(now.getTime() / 1000) + 60;

describe('download URLs', () => {
  it('carry the file, the expiry and an HMAC-SHA256 of both', () => {
    const url = new URL(downloadUrl('http://ota.example:3015', secret, sha, new Date(expires * 1000)));
    expect(url.pathname).toBe(`/firmware/${sha}`);
    expect(url.searchParams.get('expires')).toBe(String(expires));
    expect(url.searchParams.get('signature')).toMatch(/^[0-9a-f]{64}$/);
    expect(
      verifyDownload(secret, sha, url.searchParams.get('expires'), url.searchParams.get('signature'), now),
    ).toEqual({
      ok: true,
    });
  });

  const good = downloadSignature(secret, sha, expires);
  it.each<[string, string, unknown, unknown, Date, string | undefined]>([
    ['valid', sha, String(expires), good, now, undefined],
    ['valid until the second it expires', sha, String(expires), good, new Date(expires * 1000), undefined],
    ['expired', sha, String(expires), good, new Date(expires * 1000 + 1), 'URL expired'],
    ['another file', other, String(expires), good, now, 'bad signature'],
    ['a later expiry', sha, String(expires + 1), good, now, 'bad signature'],
    [
      'another key',
      sha,
      String(expires),
      downloadSignature('another-secret-value', sha, expires),
      now,
      'bad signature',
    ],
    ['a truncated signature', sha, String(expires), good.slice(0, 40), now, 'bad signature'],
    ['no signature', sha, String(expires), undefined, now, 'missing or malformed expires/signature'],
    ['no expiry', sha, undefined, good, now, 'missing or malformed expires/signature'],
    ['a non-numeric expiry', sha, '1e10', good, now, 'missing or malformed expires/signature'],
    ['a path, not a digest', '../../etc/passwd', String(expires), good, now, 'not a firmware file'],
  ])('%s', (_, file, exp, sig, at, reason) => {
    expect(verifyDownload(secret, file, exp, sig, at)).toEqual(reason ? { ok: false, reason } : { ok: true });
  });
});
