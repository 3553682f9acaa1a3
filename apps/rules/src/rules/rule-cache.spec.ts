import { describe, expect, it } from 'vitest';
import type { Bus } from '@iot/messaging';
import type { Rule } from '../generated/prisma/client';
import { RuleCache } from './rule-cache';
import type { RuleRepository } from './rule.repository';

function row(id: string, topic: string, updatedAt: number, enabled = true): Rule {
  return {
    id,
    name: id,
    description: '',
    sql: `SELECT * FROM "${topic}"`,
    topic,
    enabled,
    actions: [{ type: 'nats', subject: id }],
    errorAction: null,
    matched: 0n,
    succeeded: 0n,
    failed: 0n,
    deadLettered: 0n,
    createdAt: new Date(0),
    updatedAt: new Date(updatedAt),
  };
}

/** A repository whose listEnabled answers only when the test says so, to interleave a save with a reload. */
function fakeRepository(rows: Rule[]) {
  let release: () => void = () => undefined;
  const repository = {
    listEnabled: () =>
      new Promise<Rule[]>((resolve) => {
        const snapshot = rows.filter((r) => r.enabled);
        release = () => resolve(snapshot);
      }),
    find: (id: string) => Promise.resolve(rows.find((r) => r.id === id)),
  };
  return { repository: repository as unknown as RuleRepository, release: () => release() };
}

const ids = (cache: RuleCache, topic: string) => cache.rulesFor(topic).map((r) => r.id);

describe('rule cache', () => {
  it('holds the enabled rules, compiled, and finds them by topic', async () => {
    const { repository, release } = fakeRepository([
      row('a', '/pk/+/user/update', 1),
      row('b', '/pk/#', 1),
      row('c', '/other/#', 1),
      row('d', '/pk/#', 1, false),
    ]);
    const cache = new RuleCache(repository, {} as Bus);
    const loading = cache.reloadAll();
    release();
    await loading;
    expect(ids(cache, '/pk/dn/user/update')).toEqual(['a', 'b']);
    expect(ids(cache, '/pk/dn/user/other')).toEqual(['b']);
    expect(ids(cache, '/none')).toEqual([]);
  });

  it('applies a change at once, and forgets the topic lookups it made stale', () => {
    const cache = new RuleCache(fakeRepository([]).repository, {} as Bus);
    expect(ids(cache, '/pk/dn/x')).toEqual([]);
    cache.apply('a', row('a', '/pk/+/x', 1));
    expect(ids(cache, '/pk/dn/x')).toEqual(['a']);
    cache.apply('a', row('a', '/pk/+/y', 2));
    expect(ids(cache, '/pk/dn/x')).toEqual([]);
    cache.apply('a', row('a', '/pk/+/y', 3, false));
    expect(ids(cache, '/pk/dn/y')).toEqual([]);
    cache.apply('b', row('b', '/pk/#', 1));
    cache.apply('b', undefined);
    expect(ids(cache, '/pk/dn/y')).toEqual([]);
  });

  it('a full reload that read the list before a change does not undo it', async () => {
    const rows = [row('a', '/pk/#', 1), row('b', '/pk/#', 1)];
    const { repository, release } = fakeRepository(rows);
    const cache = new RuleCache(repository, {} as Bus);
    const first = cache.reloadAll();
    release();
    await first;

    // The reload reads (a, b enabled); meanwhile a is disabled and c enabled on this replica.
    await new Promise((resolve) => setTimeout(resolve, 2));
    const stale = cache.reloadAll();
    await new Promise((resolve) => setTimeout(resolve, 2));
    cache.apply('a', row('a', '/pk/#', 2, false));
    cache.apply('c', row('c', '/pk/#', 2));
    release();
    await stale;
    expect(ids(cache, '/pk/x')).toEqual(['b', 'c']);
  });

  it('a rule that no longer compiles stays inactive', () => {
    const cache = new RuleCache(fakeRepository([]).repository, {} as Bus);
    cache.apply('a', { ...row('a', '/pk/#', 1), sql: 'SELECT FROM nowhere' });
    expect(ids(cache, '/pk/x')).toEqual([]);
  });
});
