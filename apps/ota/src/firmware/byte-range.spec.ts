import { describe, expect, it } from 'vitest';
import { parseRange, type RangeDecision } from './byte-range';

const full: RangeDecision = { kind: 'full' };
const none: RangeDecision = { kind: 'unsatisfiable' };
const part = (start: number, end: number): RangeDecision => ({ kind: 'partial', start, end });

describe('parseRange (file of 1000 bytes)', () => {
  it.each<[string | undefined, RangeDecision]>([
    [undefined, full],
    ['', full],
    ['bytes=0-499', part(0, 499)],
    ['bytes=500-999', part(500, 999)],
    ['bytes=500-', part(500, 999)],
    ['bytes=500-5000', part(500, 999)],
    ['bytes=-200', part(800, 999)],
    ['bytes=-5000', part(0, 999)],
    ['bytes=999-999', part(999, 999)],
    ['Bytes = 10-19', part(10, 19)],
    ['bytes=1000-', none],
    ['bytes=1000-2000', none],
    ['bytes=-0', none],
    ['bytes=5-1', full],
    ['bytes=0-1,5-6', full],
    ['bytes=-', full],
    ['bytes=a-b', full],
    ['items=0-1', full],
  ])('%s', (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });

  it('an empty file has no satisfiable range', () => {
    expect(parseRange('bytes=0-', 0)).toEqual(none);
    expect(parseRange('bytes=-1', 0)).toEqual(none);
    expect(parseRange(undefined, 0)).toEqual(full);
  });
});
