import { describe, expect, it } from 'vitest';
import {
  SIGN_EXCLUDE,
  hmacHex,
  normalizeSignMethod,
  signContent,
  signatureMatches,
  type SignMethod,
  type SignParamValue,
} from './signing';

describe('normalizeSignMethod', () => {
  it.each<[string | undefined | null, SignMethod | undefined]>([
    [undefined, 'hmacmd5'],
    [null, 'hmacmd5'],
    ['', 'hmacmd5'],
    ['  ', 'hmacmd5'],
    ['hmacmd5', 'hmacmd5'],
    ['HmacMD5', 'hmacmd5'],
    ['hmacMd5', 'hmacmd5'],
    ['md5', 'hmacmd5'],
    ['hmacsha1', 'hmacsha1'],
    ['hmacSha1', 'hmacsha1'],
    ['HMACSHA1', 'hmacsha1'],
    ['hmacshal', 'hmacsha1'],
    [' hmacshal ', 'hmacsha1'],
    ['sha1', 'hmacsha1'],
    ['hmacsha256', 'hmacsha256'],
    ['Sha256', 'hmacsha256'],
    ['sha256', 'hmacsha256'],
    ['hmacsha512', undefined],
    ['sha384', undefined],
    ['hmac', undefined],
    ['hmacmd5x', undefined],
    ['toString', undefined],
    ['__proto__', undefined],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeSignMethod(raw)).toBe(expected);
  });
});

describe('signContent', () => {
  it.each<[string, Record<string, SignParamValue>, readonly string[], string]>([
    [
      'TF-9 HTTPS MQTT-auth drops version, sign, resources',
      {
        productKey: '123',
        sign: 'x',
        timestamp: '123',
        version: 'default',
        clientId: '123',
        resources: 'mqtt',
        deviceName: 'test',
      },
      SIGN_EXCLUDE.mqttAuth,
      'clientId123deviceNametestproductKey123timestamp123',
    ],
    [
      'TF-8 HTTP /auth drops version, sign, signmethod',
      {
        productKey: 'pk',
        deviceName: 'device',
        clientId: '12345',
        timestamp: '789',
        signmethod: 'hmacsha1',
        sign: 'FAFD82A3D602B37FB0FA8B7892F24A477F851A14',
        version: 'default',
      },
      SIGN_EXCLUDE.httpAuth,
      'clientId12345deviceNamedeviceproductKeypktimestamp789',
    ],
    [
      'HTTP /auth keeps resources (only MQTT-auth excludes it)',
      { clientId: '1', resources: 'mqtt' },
      SIGN_EXCLUDE.httpAuth,
      'clientId1resourcesmqtt',
    ],
    [
      'TF-10 dynamic registration (sha1 example)',
      { productKey: '1234556554', deviceName: 'deviceName1234', random: '123', sign: 'x', signMethod: 'hmacsha1' },
      SIGN_EXCLUDE.register,
      'deviceNamedeviceName1234productKey1234556554random123',
    ],
    [
      'TF-11 sub-device login signs cleanSession (boolean) and drops signMethod',
      {
        productKey: '123',
        deviceName: 'test',
        clientId: '123',
        timestamp: '123',
        cleanSession: true,
        signMethod: 'hmacmd5',
        sign: 'x',
      },
      SIGN_EXCLUDE.subDevice,
      'cleanSessiontrueclientId123deviceNametestproductKey123timestamp123',
    ],
    [
      'TF-12 topo add with a numeric timestamp',
      {
        productKey: '123',
        deviceName: 'test',
        clientId: '123',
        timestamp: 1524448722000,
        signmethod: 'hmacmd5',
        sign: 'x',
      },
      SIGN_EXCLUDE.subDevice,
      'clientId123deviceNametestproductKey123timestamp1524448722000',
    ],
    ['exclusion is case-insensitive on the name', { SIGN: 'a', SignMethod: 'b', b: '2' }, ['sign', 'signmethod'], 'b2'],
    ['null and undefined values are dropped', { a: null, b: undefined, c: '3' }, [], 'c3'],
    ['empty string values are kept', { a: '', b: '2' }, [], 'ab2'],
    ['numbers and booleans are stringified', { n: 0, f: false }, [], 'ffalsen0'],
    ['sort is code-unit order, uppercase first', { alpha: '1', Zeta: '2', _x: '3' }, [], 'Zeta2_x3alpha1'],
    ['no params → empty string', {}, [], ''],
  ])('%s', (_name, params, exclude, expected) => {
    expect(signContent(params, exclude)).toBe(expected);
  });
});

describe('SIGN_EXCLUDE', () => {
  it.each<[keyof typeof SIGN_EXCLUDE, readonly string[]]>([
    ['mqttAuth', ['version', 'sign', 'resources', 'signmethod']],
    ['httpAuth', ['version', 'sign', 'signmethod']],
    ['register', ['sign', 'signmethod']],
    ['subDevice', ['sign', 'signmethod']],
  ])('%s excludes %j', (kind, names) => {
    expect(SIGN_EXCLUDE[kind]).toEqual(names);
  });
});

describe('hmacHex', () => {
  const mqtt = 'clientId12345deviceNamedeviceproductKeypktimestamp789';
  it.each<[string, SignMethod, string, string, string]>([
    ['TF-1 sha1', 'hmacsha1', 'secret', mqtt, 'fafd82a3d602b37fb0fa8b7892f24a477f851a14'],
    ['TF-3 md5', 'hmacmd5', 'secret', mqtt, '14b198324fe55e1d3c88f2e705e201ee'],
    ['TF-4 sha256', 'hmacsha256', 'secret', mqtt, '6074a46a91b1ebb2cc4ea42790ad0e80202c9843859fc292e57c4eb19fad9e57'],
    [
      'TF-6 sha1 without timestamp',
      'hmacsha1',
      'secret',
      'clientId12345deviceNamedeviceproductKeypk',
      '3504e4df7ce4766d30f796ee973c9ce7fc5425cb',
    ],
    [
      'TF-9 md5',
      'hmacmd5',
      'secret',
      'clientId123deviceNametestproductKey123timestamp123',
      '7f9c0941a986fe6d3ad883eda7efda9c',
    ],
    [
      'TF-10 sha1',
      'hmacsha1',
      'secret',
      'deviceNamedeviceName1234productKey1234556554random123',
      'db5fd72274ac137ee5ae788c88fb2897249569e4',
    ],
    [
      'TF-10 md5, random=567345',
      'hmacmd5',
      'secret',
      'deviceNamedeviceName1234productKey1234556554random567345',
      '34378b64b225e8f6a05136fc757c17ed',
    ],
    [
      'TF-11 md5',
      'hmacmd5',
      'secret',
      'cleanSessiontrueclientId123deviceNametestproductKey123timestamp123',
      '6f683c4b436665f82e8b645d928c45a2',
    ],
    [
      'TF-12 md5',
      'hmacmd5',
      'secret',
      'clientId123deviceNametestproductKey123timestamp1524448722000',
      '9797f243469d652b2981c6af7c9623a4',
    ],
    // Computed with Python's hmac over UTF-8 bytes; Latin-1 bytes would give c8b79308….
    ['UTF-8 key and content', 'hmacmd5', 'clé', 'température=25°C', '3f3767db546cb76df3e40774d73c0442'],
    ['empty content', 'hmacsha256', 'secret', '', 'f9e66e179b6747ae54108f82f8ade8b3c25d76fd30afde6c395822c530196169'],
  ])('%s', (_name, method, key, content, expected) => {
    expect(hmacHex(method, key, content)).toBe(expected);
  });
});

describe('signatureMatches', () => {
  const sha1 = 'fafd82a3d602b37fb0fa8b7892f24a477f851a14';
  it.each<[string, string, string, boolean]>([
    ['identical lowercase', sha1, sha1, true],
    ['TF-1 uppercase provided', sha1, sha1.toUpperCase(), true],
    ['uppercase expected', sha1.toUpperCase(), sha1, true],
    ['mixed case', 'AbCd', 'aBcD', true],
    ['one digit differs', sha1, `${sha1.slice(0, -1)}5`, false],
    ['provided is a prefix', sha1, sha1.slice(0, 32), false],
    ['provided is longer', sha1, `${sha1}00`, false],
    ['non-hex of equal length', 'abcd', 'abcg', false],
    ['non-hex expected', 'zz', 'zz', false],
    ['both empty', '', '', false],
    ['provided empty', sha1, '', false],
    ['whitespace around', sha1, ` ${sha1} `, false],
  ])('%s → %s', (_name, expected, provided, result) => {
    expect(signatureMatches(expected, provided)).toBe(result);
  });
});
