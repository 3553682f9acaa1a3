/**
 * Connect storm: N HMAC-signed CONNECTs through the whole platform (bridge → NATS → auth → Postgres),
 * next to the same storm against a bare Aedes broker without authentication, in the same run.
 * Run on demand (`npm run bench:connect -- --devices 5000`), never by the test suite. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CONNECTION_STREAM } from '@iot/contracts';
import { signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { parseOptions } from '../lib/args';
import { startBenchPlatform, type BenchPlatform } from '../lib/bench-platform';
import { cpuDelta, cpuSnapshot, processesNamed, procAvailable, type WatchedProcess } from '../lib/cpu';
import { monotonicNowUs, summarizeCpuProfile } from '../lib/cpu-profile';
import { environment, repoRoot, resultStamp, writeReport } from '../lib/report';
import { startBareBroker, type BareBrokerProcess } from './bare-broker-process';
import { renderProfiles, renderReport, summarizeSide, type Side, type StormRun } from './connect-report';
import { createDevices, deleteDevices } from './devices';
import { closeAll, connectStorm } from './storm';

const options = parseOptions(
  'Usage: node dist/bench/connect/connect.bench.js [options]',
  {
    devices: { default: 5000, min: 1, help: 'devices created, then connected in each storm' },
    concurrency: { default: 200, min: 1, help: 'CONNECTs in flight during a storm' },
    rounds: { default: 1, min: 1, help: 'storms per side, alternating baseline and platform' },
    warmup: { default: 300, min: 0, help: 'unmeasured connects before each storm' },
    'setup-concurrency': { default: 32, min: 1, help: 'device creations (and deletions) in flight' },
    'timeout-ms': { default: 30_000, min: 100, help: 'CONNACK deadline of one connect' },
    'settle-timeout-ms': {
      default: 300_000,
      min: 1000,
      help: 'deadline for apps/auth to record every connection event',
    },
  },
  {
    'keep-devices': 'leave the product and its devices in the bench database',
    profile: 'sample auth and bridge with the V8 profiler and summarise where the platform storms spent CPU',
  },
);

/** Sockets the bench holds besides one per device (NATS, HTTP, stdio, the platform's own). */
const FD_HEADROOM = 1024;
const STATUS_CONSUMER = 'auth-status';

const log = (line: string) => process.stderr.write(`[bench:connect] ${line}\n`);

/**
 * The client holds one socket per device, and so does the broker (a child, with the same limit). Node
 * raises its soft open-file limit to the hard one at start, so the hard limit is what counts.
 */
function checkFileLimit(devices: number): boolean {
  const limit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  const needed = devices + FD_HEADROOM;
  if (limit === 'unlimited' || Number(limit) >= needed) return true;
  const affordable = Math.max(0, Number(limit) - FD_HEADROOM);
  log(
    `open-file limit too low: ${limit} files per process, and --devices ${devices} needs about ${needed} ` +
      `(one socket per device in this process and in the broker's, plus ${FD_HEADROOM} spare).\n` +
      `  Raise the hard limit (as root: \`ulimit -Hn ${Math.max(needed, 65_536)}\` in the shell that runs the bench, ` +
      `or LimitNOFILE / limits.conf), or run with --devices ${Math.floor(affordable / 1000) * 1000 || affordable}.`,
  );
  return false;
}

/** The last sequence of this run's connection stream. */
async function connectionEventsSeq(bench: BenchPlatform): Promise<number> {
  const info = await bench.jsm.streams.info(bench.streamName(CONNECTION_STREAM));
  return info.state.last_seq;
}

/** Resolves once `expected` more connection events than `fromSeq` are in the stream and apps/auth handled them all. */
async function connectionEventsHandled(bench: BenchPlatform, fromSeq: number, expected: number): Promise<number> {
  const stream = bench.streamName(CONNECTION_STREAM);
  await waitFor(
    async () => {
      const info = await bench.jsm.consumers.info(stream, STATUS_CONSUMER);
      return info.delivered.stream_seq >= fromSeq + expected && info.num_pending === 0 && info.num_ack_pending === 0;
    },
    {
      timeoutMs: options['settle-timeout-ms'],
      intervalMs: 100,
      what: `apps/auth to handle ${expected} connection events`,
    },
  );
  return fromSeq + expected;
}

interface Target {
  side: Side;
  url: string;
  serverGroups: string[];
  /** Platform only: how it digests the connections' asynchronous work (connect and disconnect events). */
  events?: {
    /** The connection stream's last sequence now. */
    position(): Promise<number>;
    /** Waits until `count` more events than `fromSeq` are stored and handled; returns the new position. */
    handled(fromSeq: number, count: number): Promise<number>;
  };
}

async function runStorm(
  target: Target,
  round: number,
  devices: readonly DeviceIdentity[],
  watched: WatchedProcess[],
): Promise<StormRun> {
  const storm = (count: number) =>
    connectStorm({
      url: target.url,
      count,
      concurrency: options.concurrency,
      connectTimeoutMs: options['timeout-ms'],
      // Same clientId, username and password shapes on both sides; the bare broker just does not check them.
      connectOptions: (i) => signedConnectOptions(devices[i], { signMethod: 'hmacsha256' }),
    });
  const events = target.events;
  let seq = events ? await events.position() : 0;
  if (options.warmup > 0) {
    const warm = await storm(Math.min(options.warmup, devices.length));
    await closeAll(warm.clients);
    if (events) seq = await events.handled(seq, 2 * warm.clients.length);
  }
  const before = cpuSnapshot(watched);
  const startUs = monotonicNowUs();
  const result = await storm(devices.length);
  const stormEnd = performance.now();
  const atEnd = cpuSnapshot(watched);
  let statusLagMs: number | undefined;
  let cpuMsUntilSettled: Record<string, number> | undefined;
  if (events) {
    seq = await events.handled(seq, result.clients.length);
    statusLagMs = performance.now() - stormEnd;
    cpuMsUntilSettled = Object.fromEntries(cpuDelta(before, cpuSnapshot(watched)));
  }
  const window = { startUs, endUs: monotonicNowUs() };
  await closeAll(result.clients);
  if (events) await events.handled(seq, result.clients.length);
  return {
    side: target.side,
    round,
    connects: result.latenciesMs.length,
    failures: result.failures,
    failureCauses: result.failureCauses,
    wallMs: result.wallMs,
    latenciesMs: result.latenciesMs,
    cpuMs: Object.fromEntries(cpuDelta(before, atEnd)),
    serverGroups: target.serverGroups,
    statusLagMs,
    cpuMsUntilSettled,
    window: events ? window : undefined,
  };
}

async function main(): Promise<number> {
  if (!checkFileLimit(options.devices)) return 1;
  if (!procAvailable) log('no /proc here: CPU figures will be missing');
  const stamp = resultStamp();
  const profileDir = join(repoRoot, 'bench', 'results', `connect-${stamp}-profiles`);
  if (options.flags.has('profile')) mkdirSync(profileDir, { recursive: true });
  log('starting the platform (dist/) with a bus namespace of its own');
  const bench = await startBenchPlatform({
    logLevel: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    cpuProfile: options.flags.has('profile') ? { dir: profileDir, apps: ['auth', 'bridge'] } : undefined,
  });
  const runs: StormRun[] = [];
  let profiles = '';
  let broker: BareBrokerProcess | undefined;
  let fixture: { productKey: string; devices: DeviceIdentity[] } | undefined;
  try {
    log(`creating 1 product and ${options.devices} devices through the API (setup, not measured)`);
    fixture = await createDevices(bench.api, options.devices, options['setup-concurrency'], (n) =>
      log(`  ${n} devices`),
    );
    broker = await startBareBroker();
    const apps = bench.processes();
    const shared = [processesNamed('nats-server'), processesNamed('postgres')];
    const bare: WatchedProcess = { name: 'bare broker', pids: () => [broker!.pid] };
    const watched = [bare, ...apps, ...shared];
    const targets: Target[] = [
      { side: 'baseline', url: broker.url, serverGroups: [bare.name] },
      {
        side: 'platform',
        url: bench.mqttUrl,
        serverGroups: [...apps, ...shared].map((g) => g.name),
        events: {
          position: () => connectionEventsSeq(bench),
          handled: (fromSeq, count) => connectionEventsHandled(bench, fromSeq, count),
        },
      },
    ];
    for (let round = 1; round <= options.rounds; round++) {
      for (const target of targets) {
        log(`round ${round}: ${target.side} storm of ${options.devices} connects`);
        const run = await runStorm(target, round, fixture.devices, watched);
        const s = summarizeSide(run.side, [run]);
        log(
          `  ${s.connectsPerSec.toFixed(0)} connects/s, p99 ${s.latency.p99.toFixed(1)} ms, ${run.failures} failed` +
            (run.statusLagMs !== undefined ? `, status recorded ${(run.statusLagMs / 1000).toFixed(1)} s after` : ''),
        );
        runs.push(run);
      }
    }
    if (options.flags.has('profile')) profiles = await profileSection(bench, runs);
  } catch (error) {
    process.stderr.write(`${bench.recentLogs().slice(-40).join('\n')}\n`);
    throw error;
  } finally {
    await broker?.stop();
    if (fixture && !options.flags.has('keep-devices')) {
      log('deleting the bench devices');
      await deleteDevices(bench.api, fixture.productKey, fixture.devices, options['setup-concurrency']).catch(
        (error: unknown) => log(`could not delete the bench devices: ${String(error)}`),
      );
    }
    await bench.stop();
  }

  let markdown = renderReport(runs, options);
  if (profiles) markdown += `\n\n${profiles}`;
  const sides = (['baseline', 'platform'] as const).map((side) => summarizeSide(side, runs));
  const written = writeReport(
    'connect',
    {
      bench: 'connect',
      at: new Date().toISOString(),
      settings: { ...options, flags: [...options.flags] },
      environment: environment(),
      sides,
      ratios: {
        throughput: sides[1].connectsPerSec / sides[0].connectsPerSec,
        p99: sides[1].latency.p99 / sides[0].latency.p99,
      },
      runs: runs.map(({ latenciesMs: _, ...run }) => run),
    },
    markdown,
    stamp,
  );
  process.stdout.write(`${markdown}\n`);
  log(`report: ${written.markdown} (and .json)`);
  return runs.some((r) => r.failures > 0) ? 3 : 0;
}

/** Summarises the auth and bridge profiles over the platform storms (start → status recorded). */
async function profileSection(bench: BenchPlatform, runs: readonly StormRun[]): Promise<string> {
  const paths = await bench.writeCpuProfiles();
  const windows = runs.flatMap((r) => (r.window ? [r.window] : []));
  const connects = runs.filter((r) => r.side === 'platform').reduce((n, r) => n + r.connects, 0);
  log(`CPU profiles: ${[...paths.values()].join(', ')}`);
  return renderProfiles(
    [...paths].map(([app, path]) => ({ app, summary: summarizeCpuProfile(path, windows) })),
    connects,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `connect bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
