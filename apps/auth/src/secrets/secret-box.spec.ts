import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SecretBox } from './secret-box';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  it.each(['a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6', '', 'ünïcødé secret'])(
    'round-trips %j without storing it in clear',
    (s) => {
      const sealed = box.seal(s);
      expect(box.open(sealed)).toBe(s);
      if (s) expect(sealed).not.toContain(s);
    },
  );

  it('uses a fresh IV each time', () => {
    expect(box.seal('x')).not.toBe(box.seal('x'));
  });

  it('rejects a tampered ciphertext and a foreign key', () => {
    const sealed = box.seal('secret');
    const parts = sealed.split(':');
    parts[3] = Buffer.from('other!').toString('base64');
    expect(() => box.open(parts.join(':'))).toThrow();
    expect(() => new SecretBox(randomBytes(32)).open(sealed)).toThrow();
    expect(() => box.open('plain-text')).toThrow(/unrecognised/);
  });
});
