import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('KeyedLock', () => {
  it('runs one task at a time per key, in order, and keys in parallel', async () => {
    const lock = new KeyedLock();
    const log: string[] = [];
    let active = 0;
    let maxActive = 0;
    const task = (key: string, n: number) => async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      log.push(`${key}${n}:start`);
      await tick();
      log.push(`${key}${n}:end`);
      active--;
      return n;
    };
    const results = await Promise.all([
      lock.run('a', task('a', 1)),
      lock.run('a', task('a', 2)),
      lock.run('b', task('b', 1)),
    ]);
    expect(results).toEqual([1, 2, 1]);
    expect(log.indexOf('a1:end')).toBeLessThan(log.indexOf('a2:start'));
    expect(maxActive).toBe(2);
  });

  it('keeps going after a failed task', async () => {
    const lock = new KeyedLock();
    await expect(lock.run('k', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(lock.run('k', () => Promise.resolve('next'))).resolves.toBe('next');
  });
});
