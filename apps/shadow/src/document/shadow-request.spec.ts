import { describe, expect, it } from 'vitest';
import { parseShadowRequest } from './shadow-request';

const attrs = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, i]));
const deep = (levels: number): unknown => (levels === 0 ? 1 : { x: deep(levels - 1) });

describe('parseShadowRequest: every error code with the payload that triggers it (protocol.md §2.5)', () => {
  it.each<[string, string, number]>([
    ['zero-length payload', '', 407],
    ['whitespace only', '  \n ', 407],
    ['empty object', '{}', 407],
    ['not JSON', '{"method":', 400],
    ['JSON but not an object', '[1,2]', 400],
    ['a JSON string', '"update"', 400],
    ['no method', '{"state":{"reported":{"a":1}}}', 401],
    ['a method the platform sends (reply)', '{"method":"reply"}', 406],
    ['a method the platform sends (control)', '{"method":"control","state":{}}', 406],
    ['an unknown method', '{"method":"patch"}', 406],
    ['update without state', '{"method":"update","version":1}', 402],
    ['delete without state nor version', '{"method":"delete"}', 402],
    ['a negative version', '{"method":"update","state":{"reported":{"a":1}},"version":-1}', 403],
    ['a fractional version', '{"method":"update","state":{"reported":{"a":1}},"version":1.5}', 403],
    ['a string version', '{"method":"update","state":{"reported":{"a":1}},"version":"3"}', 403],
    ['state with neither section', '{"method":"update","state":{"other":1}}', 404],
    ['state that is not an object', '{"method":"update","state":"x"}', 404],
    ['reported empty', '{"method":"update","state":{"reported":{}}}', 405],
    ['129 reported attributes', JSON.stringify({ method: 'update', state: { reported: attrs(129) } }), 408],
    ['129 desired attributes', JSON.stringify({ method: 'update', state: { desired: attrs(129) } }), 408],
    ['a section that is a number', '{"method":"update","state":{"reported":5}}', 400],
    ['attributes nested 6 deep', JSON.stringify({ method: 'update', state: { reported: deep(6) } }), 400],
  ])('%s → %i', (_, payload, code) => {
    const result = parseShadowRequest(payload);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe(code);
  });

  it.each<[string, string, unknown]>([
    ['get', '{"method":"get"}', { method: 'get' }],
    [
      'get with a version (tolerated) and a clientToken',
      '{"method":"get","version":3,"clientToken":"t1"}',
      { method: 'get', clientToken: 't1' },
    ],
    [
      'an update of reported',
      '{"method":"update","state":{"reported":{"color":"red"}},"version":1}',
      { method: 'update', version: 1, change: { reported: { kind: 'merge', patch: { color: 'red' } } } },
    ],
    [
      '128 attributes are allowed',
      JSON.stringify({ method: 'update', state: { reported: attrs(128) } }),
      expect.objectContaining({ method: 'update' }),
    ],
    [
      '5 levels are allowed',
      JSON.stringify({ method: 'update', state: { reported: deep(5) } }),
      expect.objectContaining({ method: 'update' }),
    ],
    [
      'clear desired',
      '{"method":"update","state":{"desired":"null"},"version":4}',
      { method: 'update', version: 4, change: { desired: { kind: 'clear' } } },
    ],
    [
      'delete attributes',
      '{"method":"delete","state":{"reported":{"color":"null"}},"version":1795500284630}',
      {
        method: 'delete',
        version: 1795500284630,
        change: { reported: { kind: 'delete-keys', keys: { color: 'null' } } },
      },
    ],
    [
      'delete all reported',
      '{"method":"delete","state":{"reported":"null"}}',
      { method: 'delete', change: { reported: { kind: 'clear' } } },
    ],
    ['delete the document', '{"method":"delete","version":7}', { method: 'delete', document: true, version: 7 }],
    ['surrounding whitespace', ' {"method":"get"}\n', { method: 'get' }],
  ])('%s', (_, payload, request) => {
    expect(parseShadowRequest(payload)).toEqual({ ok: true, request });
  });
});
