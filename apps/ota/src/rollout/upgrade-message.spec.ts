import { describe, expect, it } from 'vitest';
import { upgradeMessage, type UpgradeFacts } from './upgrade-message';

const facts: UpgradeFacts = {
  id: 1507707025,
  size: 432945,
  version: '2.0.0',
  url: 'http://ota.example/firmware/abc?expires=1&signature=2',
  md5: '93230c3bde425a9d7984a594ac55ea1e',
  sha256: 'f'.repeat(64),
  signMethod: 'Md5',
};

describe('upgradeMessage (protocol.md §6.2, TF-38)', () => {
  it('Md5: sign and the legacy md5 are both the MD5, code is the string "1000"', () => {
    expect(JSON.parse(JSON.stringify(upgradeMessage(facts)))).toEqual({
      code: '1000',
      id: 1507707025,
      message: 'success',
      data: {
        size: 432945,
        version: '2.0.0',
        url: facts.url,
        md5: '93230c3bde425a9d7984a594ac55ea1e',
        sign: '93230c3bde425a9d7984a594ac55ea1e',
        signMethod: 'Md5',
      },
    });
  });

  it('SHA256: sign is the SHA-256 and md5 is absent', () => {
    const m = upgradeMessage({ ...facts, signMethod: 'SHA256' });
    expect(m.data).toEqual({
      size: 432945,
      version: '2.0.0',
      url: facts.url,
      sign: 'f'.repeat(64),
      signMethod: 'SHA256',
    });
    expect('md5' in m.data).toBe(false);
  });
});
