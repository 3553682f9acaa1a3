import { describe, expect, it } from 'vitest';
import { filterWithinFilter, isValidTopicFilter, isValidTopicName, topicMatchesFilter } from './topic-filter';

describe('isValidTopicName', () => {
  it.each<[string, boolean]>([
    ['/sys/pk/dn/thing/event/property/post', true],
    ['a', true],
    ['/', true],
    ['a//b', true],
    ['$SYS/brokers', true],
    ['', false],
    ['a/+', false],
    ['a/#', false],
    ['a+b', false],
    ['a\u0000b', false],
  ])('%j → %s', (topic, valid) => {
    expect(isValidTopicName(topic)).toBe(valid);
  });
});

describe('isValidTopicFilter', () => {
  it.each<[string, boolean]>([
    ['#', true],
    ['+', true],
    ['a/#', true],
    ['+/+/#', true],
    ['/sys/pk/dn/rrpc/request/+', true],
    ['a//b', true],
    ['', false],
    ['a#', false],
    ['a/#/b', false],
    ['a/b+', false],
    ['#/a', false],
    ['a\u0000', false],
  ])('%j → %s', (filter, valid) => {
    expect(isValidTopicFilter(filter)).toBe(valid);
  });
});

describe('topicMatchesFilter', () => {
  it.each<[string, string, boolean]>([
    ['/sys/pk/dn/thing/event/property/post', '/sys/pk/dn/thing/#', true],
    ['/sys/pk/dn/thing', '/sys/pk/dn/thing/#', true],
    ['/sys/pk/dn/thin', '/sys/pk/dn/thing/#', false],
    ['/sys/pk/dn/rrpc/request/42', '/sys/pk/dn/rrpc/request/+', true],
    ['/sys/pk/dn/rrpc/request/42/x', '/sys/pk/dn/rrpc/request/+', false],
    ['/sys/pk/dn/rrpc/request', '/sys/pk/dn/rrpc/request/+', false],
    ['/sys/pk/dn/rrpc/request/', '/sys/pk/dn/rrpc/request/+', true],
    ['/shadow/get/pk/dn', '/shadow/get/pk/dn', true],
    ['/shadow/get/pk/dn2', '/shadow/get/pk/dn', false],
    ['/shadow/get/pk/dn/x', '/shadow/get/pk/dn', false],
    ['/Shadow/get/pk/dn', '/shadow/get/pk/dn', false],
    ['/a/b', '#', true],
    ['a', '#', true],
    ['a', '+', true],
    ['/a', '+', false],
    ['/a', '+/+', true],
    ['$SYS/x', '#', false],
    ['$SYS/x', '+/x', false],
    ['$SYS/x', '$SYS/#', true],
    ['a/$x', 'a/+', true],
    ['a/b', 'a/b/#', true],
    ['a/+', 'a/+', false],
    ['a/#', '#', false],
    ['', '#', false],
    ['a', 'a/#/b', false],
  ])('%j matches %j → %s', (topic, filter, matches) => {
    expect(topicMatchesFilter(topic, filter)).toBe(matches);
  });
});

describe('filterWithinFilter', () => {
  it.each<[string, string, boolean]>([
    ['/sys/pk/dn/rrpc/request/+', '/sys/pk/dn/rrpc/#', true],
    ['/sys/pk/dn/thing/event/+/post_reply', '/sys/pk/dn/thing/#', true],
    ['/sys/pk/dn/thing/#', '/sys/pk/dn/thing/#', true],
    ['/sys/pk/dn/thing', '/sys/pk/dn/thing/#', true],
    ['/sys/pk/+/thing/#', '/sys/pk/dn/thing/#', false],
    ['/sys/pk/dn/#', '/sys/pk/dn/thing/#', false],
    ['/sys/pk/dn/thing/#', '/sys/pk/dn/thing/+', false],
    ['/sys/pk/dn/thing/x', '/sys/pk/dn/thing/+', true],
    ['/sys/pk/dn/thing/+', '/sys/pk/dn/thing/x', false],
    ['/sys/pk/dn/thing/+', '/sys/pk/dn/thing/+', true],
    ['/shadow/get/pk/dn', '/shadow/get/pk/dn', true],
    ['/shadow/get/pk/dn', '/shadow/get/pk/dn2', false],
    ['/shadow/get/pk', '/shadow/get/pk/dn', false],
    ['a/#', 'a/+/#', false],
    ['a/+/#', 'a/#', true],
    ['#', '#', true],
    ['#', '+/#', true],
    ['+/#', '#', true],
    ['/#', '/+/#', true],
    ['/#', '/+', false],
    ['#', '/sys/pk/dn/thing/#', false],
    ['+', '#', true],
    ['$SYS/#', '#', false],
    ['$SYS/#', '+/#', false],
    ['$SYS/#', '$SYS/#', true],
    ['a/#', 'a/b/#', false],
    ['a/b+', '#', false],
    ['a', 'a/#/b', false],
  ])('%j within %j → %s', (inner, outer, within) => {
    expect(filterWithinFilter(inner, outer)).toBe(within);
  });

  // Brute force over a small universe: `inner` is within `outer` exactly when every topic `inner`
  // matches is matched by `outer`. `z` never occurs in filters, so it witnesses `+` and `#` levels;
  // topics go one level deeper than the deepest filter.
  it('agrees with topicMatchesFilter on every pair of small filters', () => {
    const words = (alphabet: readonly string[], maxDepth: number): string[] => {
      let level = alphabet.map((w) => [w]);
      const all = [...level];
      for (let depth = 2; depth <= maxDepth; depth++) {
        level = level.flatMap((prefix) => alphabet.map((w) => [...prefix, w]));
        all.push(...level);
      }
      return all.map((levels) => levels.join('/'));
    };
    const topicsUniverse = words(['a', '', 'z', '$s'], 4).filter(isValidTopicName);
    const filters = words(['a', '', '+', '#', '$s'], 3).filter(isValidTopicFilter);
    const matched = new Map(filters.map((f) => [f, topicsUniverse.filter((t) => topicMatchesFilter(t, f))]));

    const disagreements: string[] = [];
    for (const inner of filters) {
      const outerSet = (outer: string): Set<string> => new Set(matched.get(outer));
      for (const outer of filters) {
        const covers = outerSet(outer);
        const expected = matched.get(inner)!.every((t) => covers.has(t));
        if (filterWithinFilter(inner, outer) !== expected) disagreements.push(`${inner} ⊆ ${outer}: want ${expected}`);
      }
    }
    expect(filters.length).toBeGreaterThan(100);
    expect(disagreements).toEqual([]);
  });
});
