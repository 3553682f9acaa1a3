import { describe, expect, it } from 'vitest';
import { nextVersion, type VersionState } from './shadow-version';

const MS = 1795500284630;
const at = (version: number, clockVersion: number | null = null): VersionState => ({ version, clockVersion });

describe('nextVersion (protocol.md §2.4, sdk-compat.md §2.5)', () => {
  it.each<[string, VersionState, number | undefined, VersionState | 'conflict']>([
    ['no version: +1', at(0), undefined, at(1)],
    ['no version keeps the clock', at(5, MS), undefined, at(6, MS)],
    ['greater counter becomes the version (jumps allowed)', at(2), 10, at(10)],
    ['equal counter: conflict', at(2), 2, 'conflict'],
    ['smaller counter: conflict', at(4), 1, 'conflict'],
    ['0 on a new shadow: conflict', at(0), 0, 'conflict'],
    ['first epoch-ms version', at(3), MS, at(MS, MS)],
    ['same millisecond again: accepted, version still rises', at(MS, MS), MS, at(MS + 1, MS)],
    ['a third update in that millisecond', at(MS + 1, MS), MS, at(MS + 2, MS)],
    ['the next millisecond after a burst', at(MS + 2, MS), MS + 1, at(MS + 3, MS + 1)],
    ['an older clock: stale, conflict', at(MS + 5, MS + 5), MS + 4, 'conflict'],
    ['a counter after a clock version: conflict (use current + 1)', at(MS, MS), 7, 'conflict'],
    ['current + 1 after a clock version', at(MS, MS), MS + 1, at(MS + 1, MS + 1)],
  ])('%s', (_, current, requested, expected) => {
    expect(nextVersion(current, requested)).toEqual(expected);
  });
});
