/**
 * Runs tasks one at a time per key (e.g. per device), in call order, and different keys in parallel.
 * Writers in one process queue instead of colliding on the row; across replicas, optimistic concurrency
 * settles the (rare) collisions.
 */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
