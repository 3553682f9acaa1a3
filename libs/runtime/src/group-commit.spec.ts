import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** A flush that records its batches and answers each item doubled, after a delay. */
function recorder(delay = tick) {
  const batches: number[][] = [];
  const flush = async (items: number[]) => {
    batches.push(items);
    await delay();
    return items.map((n) => n * 2);
  };
  return { batches, flush };
}

describe('GroupCommit', () => {
  it('flushes the calls of one tick together, and the calls made during a flush in the next', async () => {
    const { batches, flush } = recorder();
    const group = new GroupCommit(flush, { maxBatch: 100, maxConcurrent: 1 });
    const first = [1, 2, 3].map((n) => group.submit(n));
    await new Promise((r) => setImmediate(r));
    const second = [4, 5].map((n) => group.submit(n));
    expect(await Promise.all([...first, ...second])).toEqual([2, 4, 6, 8, 10]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it.each([
    { maxBatch: 2, maxConcurrent: 1, expected: [[1, 2], [3, 4], [5]] },
    { maxBatch: 10, maxConcurrent: 1, expected: [[1, 2, 3, 4, 5]] },
    { maxBatch: 2, maxConcurrent: 3, expected: [[1, 2], [3, 4], [5]] },
  ])(
    'maxBatch $maxBatch, maxConcurrent $maxConcurrent: batches $expected',
    async ({ maxBatch, maxConcurrent, expected }) => {
      const { batches, flush } = recorder();
      const group = new GroupCommit(flush, { maxBatch, maxConcurrent });
      await Promise.all([1, 2, 3, 4, 5].map((n) => group.submit(n)));
      expect(batches).toEqual(expected);
    },
  );

  it('runs at most maxConcurrent flushes at once', async () => {
    let active = 0;
    let most = 0;
    const group = new GroupCommit(
      async (items: number[]) => {
        active++;
        most = Math.max(most, active);
        await tick();
        active--;
        return items;
      },
      { maxBatch: 1, maxConcurrent: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5, 6].map((n) => group.submit(n)));
    expect(most).toBe(2);
  });

  it('never puts two items with the same key in one flush, and keeps their order', async () => {
    const { batches, flush } = recorder();
    const group = new GroupCommit(flush, { maxBatch: 10, maxConcurrent: 1, keyOf: (n) => String(n % 10) });
    await Promise.all([1, 11, 2, 21, 12].map((n) => group.submit(n)));
    expect(batches).toEqual([[1, 2], [11, 12], [21]]);
  });

  it('rejects every item of a failed flush, and goes on with the next', async () => {
    let calls = 0;
    const group = new GroupCommit(
      async (items: number[]) => {
        calls++;
        await tick();
        if (calls === 1) throw new Error('database down');
        return items;
      },
      { maxBatch: 10, maxConcurrent: 1 },
    );
    const failed = [1, 2].map((n) => group.submit(n));
    await new Promise((r) => setImmediate(r));
    const later = group.submit(3);
    const results = await Promise.allSettled([...failed, later]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
  });

  it('rejects when the flush answers a different number of results', async () => {
    const group = new GroupCommit(() => Promise.resolve([1]), { maxBatch: 10, maxConcurrent: 1 });
    await expect(Promise.all([group.submit(1), group.submit(2)])).rejects.toThrow(/1 results for 2 items/);
  });
});
