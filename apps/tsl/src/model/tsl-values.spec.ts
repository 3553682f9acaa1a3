import { describe, expect, it } from 'vitest';
import type { DataType } from './tsl-types';
import { validateParams, validateValue } from './tsl-values';

const int: DataType = { type: 'int', specs: { min: 0, max: 100, step: 1 } };
const double: DataType = { type: 'double', specs: { min: -10.5, max: 200, step: 0.1 } };
const float: DataType = { type: 'float', specs: {} };
const text: DataType = { type: 'text', specs: { length: 5 } };
const date: DataType = { type: 'date', specs: {} };
const bool: DataType = { type: 'bool', specs: { '0': 'off', '1': 'on' } };
const enumT: DataType = { type: 'enum', specs: { '0': 'low', '1': 'mid', '2': 'high' } };
const struct: DataType = {
  type: 'struct',
  specs: [
    { identifier: 'r', name: 'r', dataType: int },
    { identifier: 'label', name: 'label', dataType: text },
  ],
};
const array: DataType = { type: 'array', specs: { size: 3, item: int } };

describe('validateValue: a table per data type', () => {
  it.each<[string, DataType, unknown, { value: unknown } | { problem: string; path?: string }]>([
    ['int in range', int, 42, { value: 42 }],
    ['int bounds', int, 100, { value: 100 }],
    ['int as a numeric string (AMBIG-13)', int, '7', { value: 7 }],
    ['int below min', int, -1, { problem: 'out of range' }],
    ['int above max', int, 101, { problem: 'out of range' }],
    ['int with a fraction', int, 1.5, { problem: 'wrong type' }],
    ['int as text', int, 'seven', { problem: 'wrong type' }],
    ['int as boolean', int, true, { problem: 'wrong type' }],
    ['int null', int, null, { problem: 'wrong type' }],
    ['double on its 0.1 step', double, 30.5, { value: 30.5 }],
    ['double "30.5" as a string', double, '30.5', { value: 30.5 }],
    ['double off step', double, 30.55, { problem: 'not a multiple of step' }],
    ['double step counted from min', double, -10.4, { value: -10.4 }],
    ['double out of range', double, 200.1, { problem: 'out of range' }],
    ['float with no specs', float, -1e9, { value: -1e9 }],
    ['float NaN string', float, 'NaN', { problem: 'wrong type' }],
    ['text within length', text, 'hello', { value: 'hello' }],
    ['text counts characters, not bytes', text, 'héllo', { value: 'héllo' }],
    ['text too long', text, 'hello!', { problem: 'too long' }],
    ['text as a number', text, 5, { problem: 'wrong type' }],
    ['date epoch ms', date, 1524448722000, { value: 1524448722000 }],
    ['date as a string', date, '1524448722000', { value: 1524448722000 }],
    ['date negative', date, -1, { problem: 'wrong type' }],
    ['bool 1', bool, 1, { value: 1 }],
    ['bool true', bool, true, { value: 1 }],
    ['bool 2', bool, 2, { problem: 'not an allowed value' }],
    ['enum key', enumT, 2, { value: 2 }],
    ['enum as a string key', enumT, '1', { value: 1 }],
    ['enum unknown key', enumT, 3, { problem: 'not an allowed value' }],
    ['struct', struct, { r: 5, label: 'ok' }, { value: { r: 5, label: 'ok' } }],
    ['struct partial', struct, { r: 5 }, { value: { r: 5 } }],
    ['struct bad member', struct, { r: 500 }, { problem: 'out of range', path: 'r' }],
    ['struct unknown member', struct, { g: 1 }, { problem: 'unknown member', path: 'g' }],
    ['struct not an object', struct, [1], { problem: 'wrong type' }],
    ['array', array, [1, 2, 3], { value: [1, 2, 3] }],
    ['array too many', array, [1, 2, 3, 4], { problem: 'too many items' }],
    ['array bad item', array, [1, 'x'], { problem: 'wrong type', path: '[1]' }],
    ['array not an array', array, 1, { problem: 'wrong type' }],
  ])('%s', (_, type, value, expected) => {
    const result = validateValue(type, value);
    if ('value' in expected) expect(result).toEqual({ ok: true, value: expected.value });
    else expect(result).toEqual({ ok: false, problem: expected.problem, path: expected.path ?? '' });
  });
});

describe('validateParams', () => {
  const params = [{ identifier: 'NewWeight', name: 'w', dataType: double }];
  it('normalizes known members and refuses unknown ones unless told to drop them', () => {
    expect(validateParams(params, { NewWeight: '100.8' })).toEqual({ ok: true, value: { NewWeight: 100.8 } });
    expect(validateParams(params, { NewWeight: 1, x: 1 })).toEqual({ ok: false, problem: 'unknown member', path: 'x' });
    expect(validateParams(params, { NewWeight: 1, x: 1 }, '', { unknown: 'drop' })).toEqual({
      ok: true,
      value: { NewWeight: 1 },
    });
  });
});
