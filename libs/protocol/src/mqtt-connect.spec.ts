import { describe, expect, it } from 'vitest';
import {
  CLIENT_ID_MAX_LENGTH,
  CONNACK,
  KEEPALIVE_MAX_SECONDS,
  KEEPALIVE_MIN_SECONDS,
  isKeepaliveAllowed,
  mqttSignContent,
  parseMqttClientId,
  parseMqttUsername,
  verifyMqttPassword,
  type MqttUsername,
  type ParsedClientId,
} from './mqtt-connect';

describe('isKeepaliveAllowed', () => {
  it.each<[number, boolean]>([
    // TF-13
    [29, false],
    [30, true],
    [1200, true],
    [1201, false],
    [0, false],
    // Others
    [300, true],
    [60, true],
    [-30, false],
    [30.5, false],
    [Number.NaN, false],
    [Number.POSITIVE_INFINITY, false],
  ])('%d s → %s', (seconds, allowed) => {
    expect(isKeepaliveAllowed(seconds)).toBe(allowed);
  });

  it.each<[string, number, number]>([
    ['KEEPALIVE_MIN_SECONDS', KEEPALIVE_MIN_SECONDS, 30],
    ['KEEPALIVE_MAX_SECONDS', KEEPALIVE_MAX_SECONDS, 1200],
    ['CLIENT_ID_MAX_LENGTH', CLIENT_ID_MAX_LENGTH, 64],
  ])('%s = %d', (_name, value, expected) => {
    expect(value).toBe(expected);
  });
});

describe('parseMqttClientId', () => {
  const id64 = 'a'.repeat(64);
  it.each<[string, string, ParsedClientId]>([
    [
      'TF-2 seed example',
      '12345|securemode=3,signmethod=hmacsha1,timestamp=789|',
      {
        clientId: '12345',
        securemode: '3',
        signmethod: 'hmacsha1',
        timestamp: '789',
        extensions: { securemode: '3', signmethod: 'hmacsha1', timestamp: '789' },
      },
    ],
    [
      'TF-6 no timestamp',
      '12345|securemode=3,signmethod=hmacsha1|',
      {
        clientId: '12345',
        securemode: '3',
        signmethod: 'hmacsha1',
        extensions: { securemode: '3', signmethod: 'hmacsha1' },
      },
    ],
    [
      'official SDK: unknown lan and _v kept in extensions',
      'a1PK&dev1|securemode=3,signmethod=hmacsha256,timestamp=1795500284630,lan=NodeJS,_v=1.2.8|',
      {
        clientId: 'a1PK&dev1',
        securemode: '3',
        signmethod: 'hmacsha256',
        timestamp: '1795500284630',
        extensions: {
          securemode: '3',
          signmethod: 'hmacsha256',
          timestamp: '1795500284630',
          lan: 'NodeJS',
          _v: '1.2.8',
        },
      },
    ],
    [
      'Java demo: stray spaces and whitespace after the closing bar',
      '12345|securemode=2, signmethod= hmacshal ,timestamp=789 | ',
      {
        clientId: '12345',
        securemode: '2',
        signmethod: 'hmacshal',
        timestamp: '789',
        extensions: { securemode: '2', signmethod: 'hmacshal', timestamp: '789' },
      },
    ],
    ['empty extension block', 'id||', { clientId: 'id', extensions: {} }],
    ['trailing comma', 'id|securemode=3,|', { clientId: 'id', securemode: '3', extensions: { securemode: '3' } }],
    ['empty value', 'id|signmethod=|', { clientId: 'id', signmethod: '', extensions: { signmethod: '' } }],
    ['value containing =', 'id|x=a=b|', { clientId: 'id', extensions: { x: 'a=b' } }],
    ['64-character clientId', `${id64}||`, { clientId: id64, extensions: {} }],
    [
      'known keys matched case-insensitively',
      'id|SignMethod=hmacsha1|',
      { clientId: 'id', signmethod: 'hmacsha1', extensions: { SignMethod: 'hmacsha1' } },
    ],
    [
      'repeated key: last wins',
      'id|timestamp=1,timestamp=2|',
      { clientId: 'id', timestamp: '2', extensions: { timestamp: '2' } },
    ],
  ])('%s', (_name, raw, expected) => {
    expect(parseMqttClientId(raw)).toEqual(expected);
  });

  it.each<[string, string]>([
    ['no bars', '12345'],
    ['no bars but pairs', '12345 securemode=3,signmethod=hmacsha1'],
    ['only an opening bar', '12345|securemode=3'],
    ['a single bar', '12345|'],
    ['65-character clientId', `${'a'.repeat(65)}|securemode=3|`],
    ['empty clientId', '|securemode=3|'],
    ['pair without =', '12345|securemode=3,signmethod|'],
    ['pair with empty key', '12345|=3|'],
    ['a third bar', '12345|a=1|b=2|'],
    ['text after the closing bar', '12345|a=1|x'],
    ['empty string', ''],
  ])('%s → undefined', (_name, raw) => {
    expect(parseMqttClientId(raw)).toBeUndefined();
  });

  it('does not let __proto__ reach the prototype', () => {
    const parsed = parseMqttClientId('id|__proto__=x,timestamp=1|');
    expect(parsed?.extensions.__proto__).toBe('x');
    expect(Object.getPrototypeOf(parsed?.extensions)).toBeNull();
    expect(parsed?.timestamp).toBe('1');
  });
});

describe('parseMqttUsername', () => {
  it.each<[string, MqttUsername | undefined]>([
    ['device&pk', { deviceName: 'device', productKey: 'pk' }],
    ['dev-1@x.y:z&a1B2c3', { deviceName: 'dev-1@x.y:z', productKey: 'a1B2c3' }],
    ['dn&pk&x', { deviceName: 'dn', productKey: 'pk&x' }],
    ['device', undefined],
    ['&pk', undefined],
    ['device&', undefined],
    ['&', undefined],
    ['', undefined],
  ])('%j → %j', (username, expected) => {
    expect(parseMqttUsername(username)).toEqual(expected);
  });
});

describe('mqttSignContent', () => {
  it.each<[string, Parameters<typeof mqttSignContent>[0], string]>([
    [
      'TF-1 with timestamp',
      { clientId: '12345', deviceName: 'device', productKey: 'pk', timestamp: '789' },
      'clientId12345deviceNamedeviceproductKeypktimestamp789',
    ],
    [
      'TF-6 without timestamp',
      { clientId: '12345', deviceName: 'device', productKey: 'pk' },
      'clientId12345deviceNamedeviceproductKeypk',
    ],
    [
      'aliyun-iot-mqtt regionId sorts between productKey and timestamp',
      { clientId: 'c', deviceName: 'd', productKey: 'p', timestamp: '1', extra: { regionId: 'cn-shanghai' } },
      'clientIdcdeviceNamedproductKeypregionIdcn-shanghaitimestamp1',
    ],
    [
      'extra cannot override the standard fields',
      { clientId: 'c', deviceName: 'd', productKey: 'p', extra: { clientId: 'evil', timestamp: '9' } },
      'clientIdcdeviceNamedproductKeyp',
    ],
  ])('%s', (_name, input, expected) => {
    expect(mqttSignContent(input)).toBe(expected);
  });
});

describe('verifyMqttPassword', () => {
  const TF1_SHA1 = 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14';
  const TF3_MD5 = '14b198324fe55e1d3c88f2e705e201ee';
  const TF4_SHA256 = '6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57';
  const TF6_SHA1 = '3504e4df7ce4766d30f796ee973c9ce7fc5425cb';
  const seed = { deviceName: 'device', productKey: 'pk', deviceSecret: 'secret' };

  it.each<[string, string, string, boolean]>([
    ['TF-1/TF-2 sha1 uppercase', '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', TF1_SHA1, true],
    ['TF-1 sha1 lowercase', '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', TF1_SHA1.toLowerCase(), true],
    ['TF-3 md5', '12345|securemode=3,signmethod=hmacmd5,timestamp=789|', TF3_MD5, true],
    ['TF-4 sha256', '12345|securemode=3,signmethod=hmacsha256,timestamp=789|', TF4_SHA256, true],
    ['TF-5 no signmethod: md5 accepted', '12345|securemode=3,timestamp=789|', TF3_MD5, true],
    ['TF-5 no signmethod: sha1 rejected', '12345|securemode=3,timestamp=789|', TF1_SHA1, false],
    ['TF-5 no signmethod: sha256 rejected', '12345|securemode=3,timestamp=789|', TF4_SHA256, false],
    ['TF-6 no timestamp', '12345|securemode=3,signmethod=hmacsha1|', TF6_SHA1, true],
    ['TF-6 content must omit the timestamp', '12345|securemode=3,signmethod=hmacsha1|', TF1_SHA1, false],
    [
      'timestamp is signed: other timestamp rejected',
      '12345|securemode=3,signmethod=hmacsha1,timestamp=790|',
      TF1_SHA1,
      false,
    ],
    [
      'bare clientId is signed: other clientId rejected',
      '12346|securemode=3,signmethod=hmacsha1,timestamp=789|',
      TF1_SHA1,
      false,
    ],
    ['declared sha1: md5 is not a fallback', '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', TF3_MD5, false],
    [
      'declared md5: sha256 is not a fallback',
      '12345|securemode=3,signmethod=hmacmd5,timestamp=789|',
      TF4_SHA256,
      false,
    ],
    [
      'declared md5: sha1 accepted (official SDK rule)',
      '12345|securemode=3,signmethod=hmacmd5,timestamp=789|',
      TF1_SHA1,
      true,
    ],
    ['OCR spelling hmacshal', '12345|securemode=3,signmethod=hmacshal,timestamp=789|', TF1_SHA1, true],
    ['Java demo spaces', '12345|securemode=2, signmethod= hmacsha1 ,timestamp=789 | ', TF1_SHA1, true],
    [
      'unrecognised signmethod rejects even a sha1 match',
      '12345|securemode=3,signmethod=hmacsha512,timestamp=789|',
      TF1_SHA1,
      false,
    ],
    ['truncated password', '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', TF1_SHA1.slice(0, 39), false],
    ['empty password', '12345|securemode=3,signmethod=hmacsha1,timestamp=789|', '', false],
  ])('%s → %s', (_name, clientId, password, accepted) => {
    const parsed = parseMqttClientId(clientId)!;
    expect(verifyMqttPassword({ ...seed, parsed, password })).toBe(accepted);
  });

  it('rejects the TF-1 password under another secret', () => {
    const parsed = parseMqttClientId('12345|securemode=3,signmethod=hmacsha1,timestamp=789|')!;
    expect(verifyMqttPassword({ ...seed, deviceSecret: 'secreT', parsed, password: TF1_SHA1 })).toBe(false);
  });

  // alibabacloud-iot-device-sdk 1.2.8 declares signmethod=hmac<signAlgorithm> but always signs SHA1
  // (sdk-compat §2.2). Hex values computed with Node's crypto outside this code base.
  describe('official SDK CONNECT', () => {
    const sdk = { deviceName: 'dev1', productKey: 'a1PK', deviceSecret: 's3cr3t' };
    const clientId = 'a1PK&dev1|securemode=3,signmethod=hmacsha256,timestamp=1795500284630,lan=NodeJS,_v=1.2.8|';
    it.each<[string, string, boolean]>([
      ['sha1 password while hmacsha256 is declared', '99f3c1bd6046b34b513dae8e93ac4d5355689aef', true],
      ['the declared sha256 itself', 'ed37ed9cfb2ddeb810bb652d83a93ff804597d304cf9f794e27a32c386761d19', true],
      ['md5 is neither declared nor the SDK fallback', 'bddf8b7e983436ed8f86431548b9ffc5', false],
    ])('%s → %s', (_name, password, accepted) => {
      expect(verifyMqttPassword({ ...sdk, parsed: parseMqttClientId(clientId)!, password })).toBe(accepted);
    });
  });

  // aliyun-iot-mqtt 0.0.1 signs every option it was given, so `regionId<region>` lands in the
  // content, and it prints uppercase hex (sdk-compat §1.3).
  describe('aliyun-iot-mqtt regionId variant', () => {
    const dev = { deviceName: 'dev1', productKey: 'a1PK', deviceSecret: 's3cr3t' };
    const password = 'A8A9146E32029AB96057A7B7CAB7E5988D42CF56';
    const withSignmethod =
      '0b6f6c1e-3f4a-4d2b-9a51-6c7d8e9f0a1b|securemode=3,signmethod=hmacsha1,timestamp=1795500284630|';
    const withoutSignmethod = '0b6f6c1e-3f4a-4d2b-9a51-6c7d8e9f0a1b|securemode=3,timestamp=1795500284630|';
    it.each<[string, string, readonly string[] | undefined, boolean]>([
      ['region passed', withSignmethod, ['cn-shanghai'], true],
      ['region among several', withSignmethod, ['cn-hangzhou', 'cn-shanghai'], true],
      ['no regions passed', withSignmethod, undefined, false],
      ['empty region list', withSignmethod, [], false],
      ['another region', withSignmethod, ['cn-hangzhou'], false],
      ['no signmethod declared (md5 default)', withoutSignmethod, ['cn-shanghai'], false],
    ])('%s → %s', (_name, clientId, regionIds, accepted) => {
      expect(verifyMqttPassword({ ...dev, parsed: parseMqttClientId(clientId)!, password, regionIds })).toBe(accepted);
    });
  });
});

describe('CONNACK', () => {
  it.each<[keyof typeof CONNACK, number]>([
    ['accepted', 0],
    ['badProtocol', 1],
    ['identifierRejected', 2],
    ['serverUnavailable', 3],
    ['badCredentials', 4],
    ['notAuthorized', 5],
  ])('%s = %d', (name, code) => {
    expect(CONNACK[name]).toBe(code);
  });
});
