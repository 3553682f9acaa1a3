import { describe, expect, it } from 'vitest';
import { ALINK_CODE, alinkReply, parseAlinkRequest, type AlinkReply, type AlinkRequest } from './alink';

describe('parseAlinkRequest', () => {
  it.each<[string, Buffer | string, AlinkRequest]>([
    [
      'string id, full envelope',
      '{"id":"123","version":"1.0","params":{"Power":1},"method":"thing.event.property.post"}',
      { id: '123', version: '1.0', params: { Power: 1 }, method: 'thing.event.property.post' },
    ],
    ['numeric id kept as a number', '{"id":123,"version":"1.0","params":{}}', { id: 123, version: '1.0', params: {} }],
    ['version defaults to 1.0', '{"id":"1","params":{}}', { id: '1', version: '1.0', params: {} }],
    [
      'other version strings accepted',
      '{"id":"1","version":"1.0.0","params":{}}',
      { id: '1', version: '1.0.0', params: {} },
    ],
    ['params defaults to {}', '{"id":"3"}', { id: '3', version: '1.0', params: {} }],
    [
      'params may be an array',
      '{"id":"3","params":[{"attrKey":"k","attrValue":"v"}]}',
      { id: '3', version: '1.0', params: [{ attrKey: 'k', attrValue: 'v' }] },
    ],
    [
      'empty method kept (SDK login)',
      '{"id":"4","params":{},"method":""}',
      { id: '4', version: '1.0', params: {}, method: '' },
    ],
    [
      'SDK exp-topic id kept verbatim',
      '{"id":"1|exp-topic|/sys/a/b/thing/event/property/post_reply","params":{}}',
      { id: '1|exp-topic|/sys/a/b/thing/event/property/post_reply', version: '1.0', params: {} },
    ],
    [
      'Buffer payload',
      Buffer.from('{"id":"9","params":{"t":"°C"}}', 'utf8'),
      { id: '9', version: '1.0', params: { t: '°C' } },
    ],
    ['unknown fields ignored', '{"id":"5","params":{},"sys":{"ack":0}}', { id: '5', version: '1.0', params: {} }],
  ])('%s', (_name, payload, request) => {
    expect(parseAlinkRequest(payload)).toEqual({ ok: true, request });
  });

  it.each<[string, string, RegExp]>([
    ['not JSON', '{"id":', /invalid JSON/],
    ['empty payload', '', /invalid JSON/],
    ['JSON array', '[{"id":"1"}]', /not a JSON object/],
    ['JSON null', 'null', /not a JSON object/],
    ['JSON string', '"x"', /not a JSON object/],
    ['missing id', '{"params":{}}', /id/],
    ['null id', '{"id":null,"params":{}}', /id/],
    ['object id', '{"id":{"a":1},"params":{}}', /id/],
    ['boolean id', '{"id":true,"params":{}}', /id/],
    ['numeric version', '{"id":"1","version":1.0,"params":{}}', /version/],
    ['string params', '{"id":"1","params":"x"}', /params/],
    ['numeric params', '{"id":"1","params":1}', /params/],
    ['null params', '{"id":"1","params":null}', /params/],
    ['numeric method', '{"id":"1","params":{},"method":1}', /method/],
  ])('%s → rejected', (_name, payload, reason) => {
    const result = parseAlinkRequest(payload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.reason).toMatch(reason);
  });
});

describe('alinkReply', () => {
  const v = '1.0';
  it.each<[string, AlinkReply, AlinkReply]>([
    [
      'success echoes string id, method and version',
      alinkReply({ id: '1', method: 'thing.event.property.post', version: v }, 200, {}),
      { id: '1', code: 200, data: {}, message: 'success', method: 'thing.event.property.post', version: v },
    ],
    [
      'numeric id stays a number',
      alinkReply({ id: 123, version: v }, 200, {}),
      { id: 123, code: 200, data: {}, message: 'success', version: v },
    ],
    [
      'other version echoed',
      alinkReply({ id: '1', version: '1.0.0' }, 200, {}),
      { id: '1', code: 200, data: {}, message: 'success', version: '1.0.0' },
    ],
    [
      'error without message has none',
      alinkReply({ id: '2', version: v }, 460, {}),
      { id: '2', code: 460, data: {}, version: v },
    ],
    [
      'error with message',
      alinkReply({ id: '2', method: 'thing.event.property.post', version: v }, 6106, {}, 'map size must less than 200'),
      {
        id: '2',
        code: 6106,
        data: {},
        message: 'map size must less than 200',
        method: 'thing.event.property.post',
        version: v,
      },
    ],
    [
      'empty method echoed',
      alinkReply({ id: '4', method: '', version: v }, 200, {}),
      { id: '4', code: 200, data: {}, message: 'success', method: '', version: v },
    ],
    [
      'explicit message overrides success',
      alinkReply({ id: '3', version: v }, 200, [], 'ok'),
      { id: '3', code: 200, data: [], message: 'ok', version: v },
    ],
    [
      'array data',
      alinkReply({ id: '4', version: v }, 200, [{ productKey: 'p' }]),
      { id: '4', code: 200, data: [{ productKey: 'p' }], message: 'success', version: v },
    ],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toStrictEqual(expected);
  });

  it.each<[string | number, string]>([
    [7, '{"id":7,"code":200,"data":{},"message":"success","version":"1.0"}'],
    ['7', '{"id":"7","code":200,"data":{},"message":"success","version":"1.0"}'],
  ])('serialises id %j with its JSON type', (id, json) => {
    expect(JSON.stringify(alinkReply({ id, version: v }, 200, {}))).toBe(json);
  });

  it('replies to a parsed request with the same id, method and version', () => {
    const parsed = parseAlinkRequest('{"id":42,"version":"1.0","params":{},"method":"thing.service.property.set"}');
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(alinkReply(parsed.request, 200, {})).toStrictEqual({
      id: 42,
      code: 200,
      data: {},
      message: 'success',
      method: 'thing.service.property.set',
      version: '1.0',
    });
  });
});

describe('ALINK_CODE', () => {
  it.each<[keyof typeof ALINK_CODE, number]>([
    ['success', 200],
    ['requestError', 400],
    ['paramError', 460],
    ['tooManyRequests', 429],
    ['internal', 500],
  ])('%s = %d', (name, code) => {
    expect(ALINK_CODE[name]).toBe(code);
  });
});
