/**
 * Shadow updates: devices publish `update`s on `/shadow/update/{pk}/{dn}` at QoS 1 and wait for the reply on
 * `/shadow/get/{pk}/{dn}`, through the whole platform (bridge → JetStream → shadow → Postgres → bus request →
 * bridge → device), at fixed offered loads and at saturation, next to the same load on a bare Aedes broker
 * with an echo client answering instead of the platform, in the same run.
 * Run on demand (`npm run bench:shadow`), never by the test suite. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { DeviceIdentity } from '@iot/testing';
import { parseOptions } from '../lib/args';
import { startBenchPlatform, type BenchPlatform } from '../lib/bench-platform';
import { forkBenchChild, siblingScript, type BenchChild } from '../lib/child';
import {
  cpuDelta,
  cpuSnapshot,
  cpuSnapshots,
  machineCpu,
  type MachineCpu,
  postgresProcesses,
  processesNamed,
  procAvailable,
  type CpuSnapshot,
  type WatchedProcess,
} from '../lib/cpu';
import { monotonicNowUs, summarizeCpuProfile } from '../lib/cpu-profile';
import { environment, repoRoot, resultStamp, writeReport } from '../lib/report';
import { summarize } from '../lib/stats';
import { startBareBroker, type BareBrokerProcess } from '../connect/bare-broker-process';
import { createDevices, deleteDevices } from '../connect/devices';
import type { EchoReady } from './echo';
import { Generators } from './generators';
import { hopBreakdown } from './hops';
import type { Load, RunResult, Side, UpdateSample } from './ipc';
import {
  evaluateTargets,
  figures,
  GROUPS,
  renderProfiles,
  renderReport,
  type ReportSettings,
  type StepRun,
} from './shadow-report';

const options = parseOptions(
  'Usage: node dist/bench/shadow/shadow.bench.js [options]',
  {
    devices: { default: 1000, min: 1, help: 'devices created, each connected to both brokers' },
    rates: { default: [1000, 4000, 8000], min: 1, help: 'offered loads of the open-loop steps, updates/s' },
    'warmup-ms': { default: 2000, min: 0, help: 'unmeasured load before each step, at its rate' },
    'duration-ms': { default: 10_000, min: 100, help: 'measured window of each open-loop step' },
    'saturation-ms': { default: 10_000, min: 0, help: 'measured window of the saturation step (0: none)' },
    'saturation-inflight': { default: 1, min: 1, help: 'saturation: updates awaiting their reply per device' },
    'max-inflight': { default: 4, min: 1, help: 'open loop: most updates awaiting their reply per device' },
    'timeout-ms': { default: 10_000, min: 100, help: 'an update without reply by then counts as timed out' },
    'pause-ms': { default: 1000, min: 0, help: 'idle time between two steps' },
    'idle-ms': { default: 3000, min: 0, help: 'CPU of every process measured this long with no load (0: skip)' },
    generators: { default: 1, min: 1, help: 'load generator processes (devices dealt between them)' },
    'connect-concurrency': { default: 100, min: 1, help: 'CONNECTs in flight while the devices connect' },
    'setup-concurrency': { default: 32, min: 1, help: 'device creations (and deletions) in flight' },
    'shadow-concurrency': { default: 0, min: 0, help: "apps/shadow's SHADOW_CONCURRENCY (0: the platform default)" },
  },
  {
    'keep-devices': 'leave the product, its devices and their shadows in the bench database',
    profile: 'sample bridge and shadow with the V8 profiler and summarise their saturation window',
  },
);

/** Sockets the generator holds besides two per device (one per broker). */
const FD_HEADROOM = 1024;

const log = (line: string) => process.stderr.write(`[bench:shadow] ${line}\n`);

function checkFileLimit(devices: number): boolean {
  const limit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  const needed = 2 * devices + FD_HEADROOM;
  if (limit === 'unlimited' || Number(limit) >= needed) return true;
  log(
    `open-file limit too low: ${limit} files per process, and --devices ${devices} needs about ${needed} ` +
      `(two connections per device in the load generator, one per broker).\n` +
      `  Raise the hard limit (as root: \`ulimit -Hn ${Math.max(needed, 65_536)}\`), or use fewer devices ` +
      `(or more --generators).`,
  );
  return false;
}

interface Context {
  generators: Generators;
  watched: WatchedProcess[];
  serverGroups: Record<Side, string[]>;
}

async function runStep(
  context: Context,
  side: Side,
  step: string,
  load: Load,
  durationMs: number,
): Promise<{ run: StepRun; samples: UpdateSample[] }> {
  let before: { total: CpuSnapshot; system: CpuSnapshot } | undefined;
  let atEnd: { total: CpuSnapshot; system: CpuSnapshot } | undefined;
  let machineBefore: MachineCpu | undefined;
  let machineAtEnd: MachineCpu | undefined;
  let startUs = 0;
  let endUs = 0;
  const snapshot = () => cpuSnapshots(context.watched, GROUPS.bench);
  const result: RunResult = await context.generators.run(
    side,
    load,
    { warmupMs: options['warmup-ms'], durationMs, timeoutMs: options['timeout-ms'] },
    {
      onMeasuring: () => {
        startUs = monotonicNowUs();
        machineBefore = machineCpu();
        before = snapshot();
      },
      onSent: () => {
        endUs = monotonicNowUs();
        machineAtEnd = machineCpu();
        atEnd = snapshot();
      },
    },
  );
  const after = snapshot();
  const machineAfter = machineCpu();
  if (!before || !atEnd || !machineBefore || !machineAtEnd)
    throw new Error(`${side} ${step}: the generators never reported the window`);
  const { latenciesMs, sendLagMs, samples, ...counters } = result;
  const run: StepRun = {
    step,
    side,
    offered: load.mode === 'open' ? load.rate : undefined,
    inflightPerDevice: load.mode === 'closed' ? load.inflight : undefined,
    result: counters,
    latency: summarize(Array.from(latenciesMs)),
    sendLag: summarize(Array.from(sendLagMs)),
    cpuMs: Object.fromEntries(cpuDelta(before.total, after.total)),
    cpuMsWindow: Object.fromEntries(cpuDelta(before.total, atEnd.total)),
    systemMs: Object.fromEntries(cpuDelta(before.system, after.system)),
    machineMs: machineAfter.busyMs - machineBefore.busyMs,
    machineMsWindow: machineAtEnd.busyMs - machineBefore.busyMs,
    interruptMsWindow: machineAtEnd.interruptMs - machineBefore.interruptMs,
    serverGroups: context.serverGroups[side],
    window: { startUs, endUs },
  };
  return { run, samples };
}

function describe(run: StepRun): string {
  const f = figures(run);
  return (
    `${f.achievedPerSec.toFixed(0)}/s achieved, p50 ${f.latency.p50.toFixed(1)} ms, p99 ${f.latency.p99.toFixed(1)} ms, ` +
    `server ${f.serverCpuMsPerUpdate.toFixed(3)} ms CPU/update (${f.serverCores.toFixed(2)} cores), ` +
    `generator ${f.generatorCpuMsPerUpdate.toFixed(3)} ms/update` +
    (f.shed || f.timeouts || f.errors ? `, ${f.shed} shed, ${f.timeouts} timeouts, ${f.errors} errors` : '')
  );
}

/** The shadows and applied-message records the run wrote, so the bench database does not grow run after run. */
async function deleteShadows(databaseUrl: string, productKey: string, since: Date): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('DELETE FROM "shadow"."Shadow" WHERE "productKey" = $1', [productKey]);
    await db.query('DELETE FROM "shadow"."AppliedMessage" WHERE "appliedAt" >= $1', [since]);
  } finally {
    await db.end();
  }
}

async function main(): Promise<number> {
  if (!checkFileLimit(options.devices)) return 1;
  if (!procAvailable) log('no /proc here: CPU figures will be missing');
  const startedAt = new Date();
  const startLoad = loadavg();
  const stamp = resultStamp(startedAt);
  const profiling = options.flags.has('profile');
  const profileDir = join(repoRoot, 'bench', 'results', `shadow-${stamp}-profiles`);
  if (profiling) mkdirSync(profileDir, { recursive: true });
  const shadowConcurrency = options['shadow-concurrency'] || undefined;
  log('starting the platform (dist/) with a bus namespace of its own');
  const bench = await startBenchPlatform({
    logLevel: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    cpuProfile: profiling ? { dir: profileDir, apps: ['bridge', 'shadow'] } : undefined,
    extraEnv: shadowConcurrency ? { SHADOW_CONCURRENCY: String(shadowConcurrency) } : undefined,
  });
  const runs: StepRun[] = [];
  let idleCores: Record<string, number> = {};
  let profiles = '';
  let broker: BareBrokerProcess | undefined;
  let echo: BenchChild<EchoReady> | undefined;
  let generators: Generators | undefined;
  let fixture: { productKey: string; devices: DeviceIdentity[] } | undefined;
  try {
    log(`creating 1 product and ${options.devices} devices through the API (setup, not measured)`);
    fixture = await createDevices(
      bench.api,
      options.devices,
      options['setup-concurrency'],
      (n) => log(`  ${n} devices`),
      'shadow bench',
    );
    broker = await startBareBroker();
    echo = await forkBenchChild<EchoReady>(siblingScript(__dirname, __filename, 'echo'), [broker.url], {
      what: 'echo',
    });
    generators = await Generators.start(options.generators);
    for (const [side, url] of [
      ['echo', broker.url],
      ['platform', bench.mqttUrl],
    ] as const) {
      const connected = await generators.connect(
        side,
        url,
        fixture.devices,
        options['connect-concurrency'],
        options['timeout-ms'],
      );
      log(`${connected.connected} devices connected to the ${side} side and subscribed`);
      if (connected.connected < fixture.devices.length)
        throw new Error(
          `${side}: ${fixture.devices.length - connected.connected} devices could not connect: ${JSON.stringify(connected.failures)}`,
        );
    }
    const database = new URL(bench.databaseUrl).pathname.slice(1);
    const postgres = postgresProcesses(database);
    const apps = bench.processes();
    const ownGenerators = generators;
    const ownBroker = broker;
    const ownEcho = echo;
    const groups = {
      generator: { name: GROUPS.generator, pids: () => ownGenerators.pids() },
      bareBroker: { name: GROUPS.bareBroker, pids: () => [ownBroker.pid] },
      echo: { name: GROUPS.echo, pids: () => [ownEcho.pid] },
    };
    const platformServer = [...apps, processesNamed('nats-server'), postgres.own, postgres.server];
    const context: Context = {
      generators,
      watched: [groups.generator, groups.bareBroker, groups.echo, ...platformServer, postgres.others],
      serverGroups: {
        echo: [GROUPS.bareBroker, GROUPS.echo],
        platform: platformServer.map((g) => g.name),
      },
    };
    for (const side of ['echo', 'platform'] as const) {
      const prime = await generators.run(side, { mode: 'prime' }, { warmupMs: 0, durationMs: 0, timeoutMs: 30_000 });
      log(
        `${side}: every device's first update answered (${prime.completed} of ${fixture.devices.length}) in ${(prime.drainMs / 1000).toFixed(1)} s`,
      );
    }
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const pause = () => sleep(options['pause-ms']);
    if (options['idle-ms'] > 0) {
      await pause();
      const before = cpuSnapshot(context.watched, GROUPS.bench);
      const started = performance.now();
      await sleep(options['idle-ms']);
      const delta = cpuDelta(before, cpuSnapshot(context.watched, GROUPS.bench));
      const elapsed = performance.now() - started;
      idleCores = Object.fromEntries([...delta].map(([group, ms]) => [group, ms / elapsed]));
      log(
        `idle: ${Object.values(idleCores)
          .reduce((a, b) => a + b, 0)
          .toFixed(3)} cores busy with every device connected`,
      );
    }
    const plan: { step: string; load: Load; durationMs: number }[] = options.rates.map((rate) => ({
      step: `${rate}/s`,
      load: { mode: 'open', rate, maxInflight: options['max-inflight'] },
      durationMs: options['duration-ms'],
    }));
    if (options['saturation-ms'] > 0)
      plan.push({
        step: 'saturation',
        load: { mode: 'closed', inflight: options['saturation-inflight'] },
        durationMs: options['saturation-ms'],
      });
    const samples = new Map<StepRun, UpdateSample[]>();
    for (const { step, load, durationMs } of plan) {
      for (const side of ['echo', 'platform'] as const) {
        await pause();
        log(`${step}, ${side}`);
        const measured = await runStep(context, side, step, load, durationMs);
        runs.push(measured.run);
        if (side === 'platform') samples.set(measured.run, measured.samples);
        log(`  ${describe(measured.run)}`);
      }
    }
    for (const [run, kept] of samples) {
      if (kept.length === 0) continue;
      run.hops = await hopBreakdown(bench, kept).catch((error: unknown) => {
        log(`hop breakdown of ${run.step} failed: ${String(error)}`);
        return undefined;
      });
    }
    if (profiling) profiles = await profileSection(bench, runs);
  } catch (error) {
    process.stderr.write(`${bench.recentLogs().slice(-40).join('\n')}\n`);
    throw error;
  } finally {
    if (generators) {
      for (const side of ['echo', 'platform'] as const) await generators.close(side).catch(() => undefined);
      await generators.stop();
    }
    await echo?.stop();
    await broker?.stop();
    const cleanup = fixture && !options.flags.has('keep-devices') ? fixture : undefined;
    if (cleanup) {
      log('deleting the bench devices and their shadows');
      await deleteDevices(bench.api, cleanup.productKey, cleanup.devices, options['setup-concurrency']).catch(
        (error: unknown) => log(`could not delete the bench devices: ${String(error)}`),
      );
    }
    await bench.stop();
    // Once apps/shadow has stopped: after an overloaded step it may still be writing its backlog until then.
    if (cleanup)
      await deleteShadows(bench.databaseUrl, cleanup.productKey, startedAt).catch((error: unknown) =>
        log(`could not delete the bench shadows: ${String(error)}`),
      );
  }

  const settings: ReportSettings = {
    devices: options.devices,
    rates: options.rates,
    warmupMs: options['warmup-ms'],
    durationMs: options['duration-ms'],
    saturationMs: options['saturation-ms'],
    saturationInflight: options['saturation-inflight'],
    maxInflight: options['max-inflight'],
    generators: options.generators,
    shadowConcurrency,
    loadAverage: startLoad,
  };
  let markdown = renderReport(runs, settings, idleCores);
  if (profiles) markdown += `\n\n${profiles}`;
  const written = writeReport(
    'shadow',
    {
      bench: 'shadow',
      at: startedAt.toISOString(),
      settings: { ...options, flags: [...options.flags] },
      environment: environment(),
      idleCores,
      steps: runs.map((run) => ({ ...run, figures: figures(run) })),
      targets: evaluateTargets(runs),
    },
    markdown,
    stamp,
  );
  process.stdout.write(`${markdown}\n`);
  log(`report: ${written.markdown} (and .json)`);
  return runs.some((r) => r.result.timeouts > 0) ? 3 : 0;
}

/** Summarises the bridge and shadow profiles over the platform's saturation window (else every platform window). */
async function profileSection(bench: BenchPlatform, runs: readonly StepRun[]): Promise<string> {
  const paths = await bench.writeCpuProfiles();
  const platform = runs.filter((r) => r.side === 'platform');
  const saturation = platform.find((r) => r.step === 'saturation');
  const chosen = saturation ? [saturation] : platform;
  const updates = chosen.reduce((n, r) => n + r.result.received, 0);
  log(`CPU profiles: ${[...paths.values()].join(', ')}`);
  return renderProfiles(
    [...paths].map(([app, path]) => ({
      app,
      summary: summarizeCpuProfile(
        path,
        chosen.map((r) => r.window),
        25,
      ),
    })),
    updates,
    saturation ? 'the platform saturation window' : 'every platform window',
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `shadow bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
