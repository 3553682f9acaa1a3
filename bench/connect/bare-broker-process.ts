import { fork, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';
import type { BareBrokerReady } from './bare-broker';

export interface BareBrokerProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/**
 * Forks bare-broker (the .ts through the same loader when the bench runs from source, the .js once built)
 * and resolves once it listens.
 */
export function startBareBroker(readyTimeoutMs = 15_000): Promise<BareBrokerProcess> {
  const script = join(__dirname, `bare-broker${extname(__filename)}`);
  const child = fork(script, [], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`bare broker not ready after ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`bare broker exited with ${code} before it was ready`));
    });
    child.once('message', (message: BareBrokerReady) => {
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({ url: `mqtt://127.0.0.1:${message.port}`, pid: child.pid!, stop: () => stop(child) });
    });
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
