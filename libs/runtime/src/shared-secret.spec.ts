import { describe, expect, it } from 'vitest';
import { SharedSecret } from './shared-secret';

describe('SharedSecret', () => {
  it.each([
    ['s3cret', 's3cret', true],
    ['s3cret', 's3cre', false],
    ['s3cret', 's3cretx', false],
    ['s3cret', undefined, false],
    ['', '', false],
    ['', undefined, false],
  ])('configured %j, presented %j → %s', (configured, presented, expected) => {
    expect(new SharedSecret(configured, '/test').matches(presented)).toBe(expected);
  });
});
