import { describe, expect, it } from 'vitest';
import { decodeSubjectToken, encodeSubjectToken, event } from './bus';

describe('subject tokens', () => {
  it.each([
    ['a1B2c3', 'a1B2c3'],
    ['dev.01', 'dev~2e01'],
    ['a*b>c', 'a~2ab~3ec'],
    ['x~y', 'x~7ey'],
    ['with space', 'with~20space'],
    ['mac:00:11@site-1_a', 'mac:00:11@site-1_a'],
    ['', '~'],
  ])('%j encodes to the single token %j and back', (raw, token) => {
    expect(encodeSubjectToken(raw)).toBe(token);
    expect(encodeSubjectToken(raw)).not.toMatch(/[.*>\s]/);
    expect(decodeSubjectToken(token)).toBe(raw);
  });

  it('builds event subjects from encoded tokens and a matching filter', () => {
    const stream = { name: 'S', subjects: ['s.>'], maxAgeSeconds: 1, duplicateWindowSeconds: 1 };
    const e = event<unknown, [string, string]>(stream, 's.v1.thing', 2);
    expect(e.subject('pk', 'dev.1')).toBe('s.v1.thing.pk.dev~2e1');
    expect(e.filter).toBe('s.v1.thing.*.*');
  });
});
