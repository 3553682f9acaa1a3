import { forkBenchChild, siblingScript } from '../lib/child';
import type { BareBrokerReady } from './bare-broker';

export interface BareBrokerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** Forks bare-broker (see {@link forkBenchChild}) and resolves once it listens. */
export async function startBareBroker(readyTimeoutMs = 15_000): Promise<BareBrokerProcess> {
  const child = await forkBenchChild<BareBrokerReady>(siblingScript(__dirname, __filename, 'bare-broker'), [], {
    readyTimeoutMs,
    what: 'bare broker',
  });
  return { url: `mqtt://127.0.0.1:${child.ready.port}`, pid: child.pid, stop: () => child.stop() };
}
