import { describe, expect, it } from 'vitest';
import { isValidDeviceName, isValidProductKey } from './device-name';

describe('isValidDeviceName', () => {
  it.each<[string, boolean]>([
    ['abcd', true],
    ['device', true],
    ['lightbulb', true],
    ['AA:BB:CC:DD:EE:FF', true],
    ['sn_001-x@site.example', true],
    ['a'.repeat(32), true],
    ['abc', false],
    ['a'.repeat(33), false],
    ['', false],
    ['dev ice', false],
    ['dev/ice', false],
    ['dev+', false],
    ['dev#', false],
    ['dev&pk', false],
    ['dév1', false],
    ['dev1\n', false],
  ])('%j → %s', (name, valid) => {
    expect(isValidDeviceName(name)).toBe(valid);
  });
});

describe('isValidProductKey', () => {
  it.each<[string, boolean]>([
    ['a1B2c3', true],
    ['a1B2c3D4e5F', true],
    ['1234556554', true],
    ['A'.repeat(32), true],
    ['a1B2c', false],
    ['A'.repeat(33), false],
    ['', false],
    ['a1-B2c3', false],
    ['a1_B2c3', false],
    ['a1B2c3.', false],
    // Reserved first topic levels can never be product keys.
    ['shadow', false],
    ['Shadow', true],
  ])('%j → %s', (pk, valid) => {
    expect(isValidProductKey(pk)).toBe(valid);
  });
});
