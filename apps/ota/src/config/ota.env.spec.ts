import { createHmac } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '@iot/runtime';
import { loadOtaConfig } from './ota.env';

const base = { DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/iot', IOT_SECRET_KEY: 'k'.repeat(64) };

describe('loadOtaConfig', () => {
  it('derives its keys from IOT_SECRET_KEY, as apps/api derives the upload token', () => {
    const c = loadOtaConfig({ ...base, OTA_HTTP_PORT: '4015' });
    expect(c.internalToken).toBe(createHmac('sha256', base.IOT_SECRET_KEY).update('ota-internal-upload').digest('hex'));
    expect(c.urlSecret).not.toBe(c.internalToken);
    expect(c.OTA_PUBLIC_URL).toBe('http://127.0.0.1:4015');
    expect(c.OTA_STORAGE_DIR).toBe(resolve('.data/firmware'));
  });

  it('takes explicit values', () => {
    const c = loadOtaConfig({
      ...base,
      OTA_URL_SECRET: 'url-secret-of-16+',
      OTA_INTERNAL_TOKEN: 'internal-token-16+',
      OTA_PUBLIC_URL: 'https://ota.example.com/',
      OTA_STORAGE_DIR: '/var/lib/firmware',
    });
    expect(c).toMatchObject({
      urlSecret: 'url-secret-of-16+',
      internalToken: 'internal-token-16+',
      OTA_PUBLIC_URL: 'https://ota.example.com',
      OTA_STORAGE_DIR: '/var/lib/firmware',
    });
  });

  it('fails fast without a key', () => {
    expect(() => loadOtaConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(ConfigError);
    expect(() => loadOtaConfig({ DATABASE_URL: base.DATABASE_URL })).toThrow(/IOT_SECRET_KEY/);
  });
});
