import { describe, expect, it } from 'vitest';
import { hmacHex } from '@iot/protocol';
import { deviceParamList, subDeviceSignatureValid } from './sub-device-params';

describe('sub-device signatures (TF-11, TF-12, sdk-compat §2.6)', () => {
  it('TF-11: login signs cleanSession too', () => {
    const params = {
      productKey: '123',
      deviceName: 'test',
      clientId: '123',
      timestamp: '123',
      cleanSession: 'true',
      signMethod: 'hmacmd5',
      sign: '6f683c4b436665f82e8b645d928c45a2',
    };
    expect(subDeviceSignatureValid(params, 'secret')).toBe(true);
    expect(subDeviceSignatureValid({ ...params, cleanSession: 'false' }, 'secret')).toBe(false);
  });

  it('TF-12: topo/add, hex in any case', () => {
    const params = {
      productKey: '123',
      deviceName: 'test',
      clientId: '123',
      timestamp: '1524448722000',
      signmethod: 'hmacMd5',
      sign: '9797F243469D652B2981C6AF7C9623A4',
    };
    expect(subDeviceSignatureValid(params, 'secret')).toBe(true);
    expect(subDeviceSignatureValid(params, 'other')).toBe(false);
  });

  it('the official SDK: clientId pk&dn, numeric timestamp, hmacsha1', () => {
    const content = 'clientIda1SUB&sub1deviceNamesub1productKeya1SUBtimestamp1795500303419';
    const params = {
      productKey: 'a1SUB',
      deviceName: 'sub1',
      clientId: 'a1SUB&sub1',
      timestamp: '1795500303419',
      signMethod: 'hmacsha1',
      sign: hmacHex('hmacsha1', 's3', content),
    };
    expect(subDeviceSignatureValid(params, 's3')).toBe(true);
  });

  it.each([['no sign'], ['unknown method']])('refuses %s', (which) => {
    const params: Record<string, string> = {
      productKey: 'p',
      deviceName: 'd',
      signMethod: which === 'unknown method' ? 'rot13' : 'hmacmd5',
    };
    if (which !== 'no sign') params.sign = 'x';
    expect(subDeviceSignatureValid(params, 's')).toBe(false);
  });
});

describe('deviceParamList', () => {
  it.each<[unknown, boolean]>([
    [[{ productKey: 'a', deviceName: 'b', timestamp: 1 }], true],
    [[], false],
    [{ productKey: 'a', deviceName: 'b' }, false],
    [[{ productKey: 'a' }], false],
    [['x'], false],
  ])('%j → %s', (params, ok) => {
    expect(deviceParamList(params) !== undefined).toBe(ok);
  });
});
