import { fork, type ChildProcess } from 'node:child_process';
import { extname, join } from 'node:path';

export interface BenchChild<Ready> {
  process: ChildProcess;
  pid: number;
  /** The child's first IPC message. */
  ready: Ready;
  /** SIGTERM, then SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/**
 * The path of a sibling module of the caller, in the caller's form: `.ts` when the bench runs from source
 * through @swc-node/register, `.js` once built. Call with the caller's `__dirname` and `__filename`.
 */
export function siblingScript(dirname: string, filename: string, name: string): string {
  return join(dirname, `${name}${extname(filename)}`);
}

/**
 * Forks a bench helper (a load generator, a baseline server) with the bench's own loader flags, and
 * resolves once it sends its first IPC message. Its stdout and stderr go to the bench's.
 */
export function forkBenchChild<Ready>(
  script: string,
  args: readonly string[] = [],
  options: { readyTimeoutMs?: number; serialization?: 'json' | 'advanced'; what?: string } = {},
): Promise<BenchChild<Ready>> {
  const what = options.what ?? script;
  const readyTimeoutMs = options.readyTimeoutMs ?? 15_000;
  const child = fork(script, [...args], {
    execArgv: process.execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: options.serialization ?? 'json',
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} not ready after ${readyTimeoutMs} ms`));
    }, readyTimeoutMs);
    const onExit = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code} before it was ready`));
    };
    child.once('exit', onExit);
    child.once('message', (ready: Ready) => {
      clearTimeout(timer);
      child.removeListener('exit', onExit);
      resolve({ process: child, pid: child.pid!, ready, stop: () => stopChild(child) });
    });
  });
}

function stopChild(child: ChildProcess): Promise<void> {
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
