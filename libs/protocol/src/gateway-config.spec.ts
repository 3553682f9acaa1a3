import { describe, expect, it } from 'vitest';
import { decryptOpcUaPassword, encryptOpcUaPassword } from './gateway-config';

describe('OPC UA password encryption (TF-40)', () => {
  const secret = 'testTNmjyWHQzniA8wEkTNmjyWHQtest';

  it('matches the seed', () => {
    expect(encryptOpcUaPassword('test123', secret)).toBe('7lBTkjb1RBAltOSgBBsCdA==');
    expect(decryptOpcUaPassword('7lBTkjb1RBAltOSgBBsCdA==', secret)).toBe('test123');
  });

  it('round-trips and refuses a secret of the wrong size', () => {
    expect(decryptOpcUaPassword(encryptOpcUaPassword('pä55', secret), secret)).toBe('pä55');
    expect(() => encryptOpcUaPassword('x', 'short')).toThrow(/16, 24 or 32/);
  });
});
