/**
 * Preloaded into platform apps (`NODE_OPTIONS=--require …`) by benches run with profiling: Node 20 refuses
 * --cpu-prof in NODE_OPTIONS, and an app stopped by SIGTERM would not write it anyway. Samples from start;
 * on SIGWINCH writes `<BENCH_CPU_PROFILE_DIR>/<pid>.cpuprofile` (open it in Chrome DevTools or speedscope).
 * Not SIGUSR2: the apps' Nest shutdown hooks (`enableShutdownHooks()`, every signal) stop the app on it.
 * SIGWINCH is in none of them, and is ignored by default, so an app without the profiler keeps running.
 * Sample times are CLOCK_MONOTONIC µs, like `process.hrtime` in the bench, so a bench can slice them.
 */
import { renameSync, writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';
import { join } from 'node:path';

/** Keep in step with bench-platform.ts. */
const PROFILE_SIGNAL = 'SIGWINCH';
const dir = process.env.BENCH_CPU_PROFILE_DIR;
/** Only these apps (comma-separated), so the others run unslowed; every app when unset. */
const apps = process.env.BENCH_CPU_PROFILE_APPS?.split(',');
const app = /apps\/([a-z]+)\/src\/main\.js$/.exec(process.argv[1] ?? '')?.[1];
if (dir && (!apps || (app !== undefined && apps.includes(app)))) {
  const session = new Session();
  session.connect();
  const fail = (step: string, error: Error | null) => {
    if (error) process.stderr.write(`cpu profiler: ${step} failed: ${error.message}\n`);
    return error !== null;
  };
  session.post('Profiler.enable', (error) => {
    if (!fail('enable', error)) session.post('Profiler.start', (e) => void fail('start', e));
  });
  process.on(PROFILE_SIGNAL, () => {
    session.post('Profiler.stop', (error, result: Profiler.StopReturnType) => {
      if (fail('stop', error)) return;
      // Renamed into place, so whoever waits for the file never reads half of it.
      const path = join(dir, `${process.pid}.cpuprofile`);
      writeFileSync(`${path}.partial`, JSON.stringify(result.profile));
      renameSync(`${path}.partial`, path);
    });
  });
}
