import type { DeviceIdentity } from '@iot/testing';
import { forkBenchChild, siblingScript, type BenchChild } from '../lib/child';
import type { Command, ConnectResult, GeneratorEvent, Load, RunResult, Side } from './ipc';

type CommandBody = Command extends infer C ? (C extends Command ? Omit<C, 'id'> : never) : never;

export interface RunHooks {
  /** Every generator finished its warm-up: the measured window starts. */
  onMeasuring?(): void;
  /** Every generator stopped sending: the window ends, the replies still due are awaited. */
  onSent?(): void;
}

/**
 * The load generator processes (load-generator.ts), driven as one: devices are dealt round-robin, an
 * open-loop rate is split evenly, and their results are merged.
 */
export class Generators {
  private nextId = 1;
  private readonly waiting = new Map<number, { events: GeneratorEvent[]; wake: () => void }>();

  private constructor(private readonly children: BenchChild<GeneratorEvent>[]) {
    for (const child of children) {
      child.process.on('message', (event: GeneratorEvent) => {
        if (event.type === 'ready') return;
        const waiter = this.waiting.get(event.id);
        if (!waiter) return;
        waiter.events.push(event);
        waiter.wake();
      });
      child.process.on('exit', (code) => {
        for (const [id, waiter] of this.waiting) {
          waiter.events.push({ type: 'failed', id, message: `load generator ${child.pid} exited with ${code}` });
          waiter.wake();
        }
      });
    }
  }

  static async start(count: number): Promise<Generators> {
    const script = siblingScript(__dirname, __filename, 'load-generator');
    const children = await Promise.all(
      Array.from({ length: count }, (_, i) =>
        forkBenchChild<GeneratorEvent>(script, [String(i)], {
          serialization: 'advanced',
          what: `load generator ${i}`,
        }),
      ),
    );
    return new Generators(children);
  }

  pids(): number[] {
    return this.children.map((c) => c.pid);
  }

  async connect(
    side: Side,
    url: string,
    devices: readonly DeviceIdentity[],
    concurrency: number,
    timeoutMs: number,
  ): Promise<ConnectResult> {
    const results = await this.broadcast(
      (i) => ({
        type: 'connect',
        side,
        url,
        devices: devices.filter((_, d) => d % this.children.length === i),
        concurrency: Math.max(1, Math.ceil(concurrency / this.children.length)),
        timeoutMs,
      }),
      'connected',
    );
    const failures: Record<string, number> = {};
    for (const r of results)
      for (const [cause, n] of Object.entries(r.result.failures)) failures[cause] = (failures[cause] ?? 0) + n;
    return { connected: results.reduce((n, r) => n + r.result.connected, 0), failures };
  }

  async run(
    side: Side,
    load: Load,
    timing: { warmupMs: number; durationMs: number; timeoutMs: number },
    hooks: RunHooks = {},
  ): Promise<RunResult> {
    const share: Load = load.mode === 'open' ? { ...load, rate: load.rate / this.children.length } : load;
    const counts = { measuring: 0, sent: 0 };
    const results = await this.broadcast(
      () => ({ type: 'run', side, load: share, ...timing }),
      'done',
      (event) => {
        if (event.type === 'measuring' && ++counts.measuring === this.children.length) hooks.onMeasuring?.();
        if (event.type === 'sent' && ++counts.sent === this.children.length) hooks.onSent?.();
      },
    );
    return mergeResults(results.map((r) => r.result));
  }

  async close(side: Side): Promise<void> {
    await this.broadcast(() => ({ type: 'close', side }), 'closed');
  }

  async stop(): Promise<void> {
    await Promise.all(this.children.map((c) => c.stop()));
  }

  /** Sends a command to every generator and collects their final events of type `until`. */
  private async broadcast<T extends GeneratorEvent['type']>(
    command: (index: number) => CommandBody,
    until: T,
    progress?: (event: GeneratorEvent) => void,
  ): Promise<Extract<GeneratorEvent, { type: T }>[]> {
    const id = this.nextId++;
    const waiter = { events: [] as GeneratorEvent[], wake: () => undefined as void };
    this.waiting.set(id, waiter);
    try {
      this.children.forEach((child, i) => child.process.send({ ...command(i), id }));
      const finals: Extract<GeneratorEvent, { type: T }>[] = [];
      while (finals.length < this.children.length) {
        if (waiter.events.length === 0) await new Promise<void>((resolve) => (waiter.wake = resolve));
        const event = waiter.events.shift()!;
        if (event.type === 'failed') throw new Error(`load generator: ${event.message}`);
        if (event.type === until) finals.push(event as Extract<GeneratorEvent, { type: T }>);
        else progress?.(event);
      }
      return finals;
    } finally {
      this.waiting.delete(id);
    }
  }
}

function concat(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}

function mergeResults(results: readonly RunResult[]): RunResult {
  if (results.length === 1) return results[0];
  const sum = (pick: (r: RunResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  const errors: Record<string, number> = {};
  for (const r of results) for (const [code, n] of Object.entries(r.errors)) errors[code] = (errors[code] ?? 0) + n;
  return {
    windowMs: Math.max(...results.map((r) => r.windowMs)),
    windowStartMs: Math.min(...results.map((r) => r.windowStartMs)),
    windowEndMs: Math.max(...results.map((r) => r.windowEndMs)),
    scheduled: sum((r) => r.scheduled),
    sent: sum((r) => r.sent),
    shed: sum((r) => r.shed),
    received: sum((r) => r.received),
    completed: sum((r) => r.completed),
    repliesUntilDrained: sum((r) => r.repliesUntilDrained),
    errors,
    timeouts: sum((r) => r.timeouts),
    unexpected: sum((r) => r.unexpected),
    versionAnomalies: sum((r) => r.versionAnomalies),
    disconnects: sum((r) => r.disconnects),
    peakInflight: sum((r) => r.peakInflight),
    latenciesMs: concat(results.map((r) => r.latenciesMs)),
    sendLagMs: concat(results.map((r) => r.sendLagMs)),
    drainMs: Math.max(...results.map((r) => r.drainMs)),
    samples: results.flatMap((r) => r.samples),
  };
}
