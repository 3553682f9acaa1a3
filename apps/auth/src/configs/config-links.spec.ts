import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigLinks } from './config-links';

describe('ConfigLinks', () => {
  const links = new ConfigLinks(randomBytes(32), 'http://dev.example:8085/');
  const NOW = 1_795_500_000_000;

  it('signs links that verify until they expire', () => {
    const url = new URL(links.url('a1PK', 'cfg1', NOW));
    expect(url.pathname).toBe('/config/a1PK/cfg1');
    const expires = url.searchParams.get('expires')!;
    const signature = url.searchParams.get('signature')!;
    expect(links.valid('a1PK', 'cfg1', expires, signature, NOW)).toBe(true);
    expect(links.valid('a1PK', 'cfg1', expires, signature, NOW + 3601_000)).toBe(false);
    expect(links.valid('a1PK', 'cfg2', expires, signature, NOW)).toBe(false);
    expect(links.valid('a1PK', 'cfg1', String(Number(expires) + 1), signature, NOW)).toBe(false);
    expect(links.valid('a1PK', 'cfg1', expires, signature.slice(1), NOW)).toBe(false);
    expect(new ConfigLinks(randomBytes(32), 'http://x').valid('a1PK', 'cfg1', expires, signature, NOW)).toBe(false);
  });
});
