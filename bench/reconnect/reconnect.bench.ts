/**
 * Reconnect storm: N devices, each with one command queued while it was offline, all reconnect at once;
 * how long until every command arrived, through the whole platform (bridge → NATS → auth; connection
 * events on JetStream → apps/tsl → Postgres → bus request → bridge → device), next to a bare Aedes broker
 * delivering QoS 1 messages queued in persistent sessions, in the same run.
 * Run on demand (`npm run bench:reconnect`), never by the test suite. See bench/README.md.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { IClientOptions } from 'mqtt';
import { signedConnectOptions, type DeviceIdentity } from '@iot/testing';
import { parseOptions } from '../lib/args';
import { startBenchPlatform, type BenchPlatform } from '../lib/bench-platform';
import {
  cpuDelta,
  cpuSnapshot,
  machineCpu,
  postgresProcesses,
  processesNamed,
  procAvailable,
  type WatchedProcess,
} from '../lib/cpu';
import { monotonicNowUs, summarizeCpuProfile } from '../lib/cpu-profile';
import { tcpCounters, tcpCountersDelta } from '../lib/netstat';
import { environment, repoRoot, resultStamp, writeReport } from '../lib/report';
import { startBareBroker, type BareBrokerProcess } from '../connect/bare-broker-process';
import { createDevices, deleteDevices } from '../connect/devices';
import {
  apiStatuses,
  BENCH_MODEL,
  CommandTable,
  commandMatcher,
  commandTopic,
  ConsumerWatch,
  countBy,
  DownlinkTap,
  messagePayload,
  queueCommands,
  storedConnectionEvents,
  type CommandKind,
} from './platform-side';
import {
  CLIENT,
  failedCount,
  hopFigures,
  renderProfiles,
  renderReport,
  ROWS,
  stormFigures,
  stormSamples,
  summarizeRow,
  type PlatformFigures,
  type Row,
  type RowRun,
} from './reconnect-report';
import { closeAll, cycleSessions, epochMs, publishAll, reconnectStorm, type StormDevice } from './sessions';

const options = parseOptions(
  'Usage: node dist/bench/reconnect/reconnect.bench.js [options]',
  {
    devices: { default: 2000, min: 1, help: 'devices created, each with one queued command per storm' },
    concurrency: { default: 0, min: 0, help: 'CONNECTs awaiting their CONNACK at once in a storm (0: all at once)' },
    kind: {
      default: 'property',
      choices: ['property', 'message'],
      help: 'the queued command: a property set, or a message to /{pk}/{dn}/user/get',
    },
    rounds: { default: 1, min: 1, help: 'storms per row, alternating the rows' },
    'deadline-ms': { default: 30_000, min: 100, help: 'from a storm start: commands not arrived by then are missing' },
    'timeout-ms': { default: 10_000, min: 100, help: 'CONNACK deadline of one connect' },
    'pause-ms': { default: 1000, min: 0, help: 'idle time before each storm' },
    'setup-concurrency': { default: 32, min: 1, help: 'API calls in flight in setup (devices, commands, checks)' },
    'prime-concurrency': { default: 100, min: 1, help: 'connects in flight while sessions are prepared' },
    'status-sample': { default: 200, min: 0, help: 'commands checked through GET /v1/commands/{id} (0: all)' },
    'settle-timeout-ms': { default: 120_000, min: 1000, help: 'deadline for statuses and connection events' },
  },
  {
    'keep-devices': 'leave the product, its devices and their commands in the bench database',
    'skip-persistent': 'no platform storm with persistent sessions (the third row)',
    profile: 'sample bridge, tsl and auth with the V8 profiler over the clean-session platform storms',
  },
);
const kind = options.kind as CommandKind;

/** Sockets the bench holds besides one per device (NATS, HTTP, Postgres, stdio). */
const FD_HEADROOM = 1024;
const PUBLISH_INFLIGHT = 200;

const log = (line: string) => process.stderr.write(`[bench:reconnect] ${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function checkFileLimit(devices: number): boolean {
  const limit = execFileSync('sh', ['-c', 'ulimit -n'], { encoding: 'utf8' }).trim();
  const needed = devices + FD_HEADROOM;
  if (limit === 'unlimited' || Number(limit) >= needed) return true;
  log(
    `open-file limit too low: ${limit} files per process, and --devices ${devices} needs about ${needed} ` +
      `(one socket per device in this process and in the broker's).\n` +
      `  Raise the hard limit (as root: \`ulimit -Hn ${Math.max(needed, 65_536)}\`), or use fewer devices.`,
  );
  return false;
}

interface Context {
  bench: BenchPlatform;
  broker: BareBrokerProcess;
  devices: DeviceIdentity[];
  table: CommandTable;
  consumers: ConsumerWatch;
  downlinks: DownlinkTap;
  watched: WatchedProcess[];
  serverGroups: { baseline: string[]; platform: string[] };
  /** Fixed for the run: a persistent session is keyed by the whole clientId, signature extension included. */
  timestamp: string;
}

/** A persistent session's CONNECT: same clientId every time (clean=false), as the SDKs reconnect. */
const persistentOptions = (c: Context, d: DeviceIdentity, clean = false): IClientOptions =>
  signedConnectOptions(d, { clientId: `${d.deviceName}-p`, clean, timestamp: c.timestamp });

/** The measured part shared by every row: CPU and machine snapshots around the storm. */
async function measure(c: Context, url: string, devices: StormDevice[], onStart?: (startMs: number) => void) {
  let before = cpuSnapshot(c.watched, CLIENT);
  let machineBefore = machineCpu();
  let tcpBefore = tcpCounters();
  let startUs = 0;
  const result = await reconnectStorm({
    url,
    devices,
    concurrency: options.concurrency,
    connectTimeoutMs: options['timeout-ms'],
    deadlineMs: options['deadline-ms'],
    onStart: () => {
      before = cpuSnapshot(c.watched, CLIENT);
      machineBefore = machineCpu();
      tcpBefore = tcpCounters();
      startUs = monotonicNowUs();
      onStart?.(epochMs());
    },
  });
  const tcp = tcpCountersDelta(tcpBefore, tcpCounters());
  const delta = cpuDelta(before, cpuSnapshot(c.watched, CLIENT));
  const machineMs = machineCpu().busyMs - machineBefore.busyMs;
  const ownMs = [...delta.values()].reduce((a, b) => a + b, 0);
  return { result, before, startUs, tcp, cpuMs: Object.fromEntries(delta), machineMs, otherMs: machineMs - ownMs };
}

function describe(run: RowRun): string {
  const f = run.figures;
  const all = Number.isFinite(f.allDeliveredMs) ? `all delivered after ${(f.allDeliveredMs / 1000).toFixed(2)} s` : '';
  return (
    `${f.delivered}/${f.devices} delivered${all ? `, ${all}` : ''}, p50 ${f.fromOwnStart.p50.toFixed(0)} ms, ` +
    `p99 ${f.fromOwnStart.p99.toFixed(0)} ms per device` +
    (failedCount(f) ? `, ${failedCount(f)} failed` : '') +
    (f.duplicates ? `, ${f.duplicates} duplicates` : '')
  );
}

/** The bare broker: persistent sessions subscribed at QoS 1, one message queued per device, then every device back. */
async function baselineRow(c: Context, round: number): Promise<RowRun> {
  const topic = (d: DeviceIdentity) => commandTopic(kind, d);
  const payloads = c.devices.map((d, i) =>
    kind === 'message'
      ? messagePayload(d, round)
      : JSON.stringify({
          id: `${round}${String(i).padStart(12, '0')}`,
          version: '1.0',
          params: { Brightness: (i + round) % 101 },
          method: 'thing.service.property.set',
        }),
  );
  await cycleSessions(
    c.broker.url,
    c.devices.map((d) => ({ connect: () => persistentOptions(c, d), subscribe: topic(d) })),
    options['prime-concurrency'],
    options['timeout-ms'],
  );
  await publishAll(
    c.broker.url,
    c.devices.map((d, i) => ({ topic: topic(d), payload: payloads[i] })),
    PUBLISH_INFLIGHT,
  );
  const specs: StormDevice[] = c.devices.map((d, i) => ({
    connect: persistentOptions(c, d),
    topic: topic(d),
    subscribe: false,
    matches: (payload) => payload.toString('utf8') === payloads[i],
  }));
  await sleep(options['pause-ms']);
  const m = await measure(c, c.broker.url, specs);
  const endUs = monotonicNowUs();
  await closeAll(m.result.clients);
  return {
    row: 'baseline',
    round,
    figures: stormFigures(m.result),
    samples: stormSamples(m.result),
    cpuMs: m.cpuMs,
    machineMs: m.machineMs,
    otherMs: m.otherMs,
    tcp: m.tcp,
    serverGroups: c.serverGroups.baseline,
    window: { startUs: m.startUs, endUs },
  };
}

/**
 * The platform: `clean` devices are known and offline, get a command each (PENDING in apps/tsl), then connect
 * with a clean session and SUBSCRIBE right after CONNACK; persistent ones subscribed in a session before going
 * offline and come back with clean=false and no SUBSCRIBE.
 */
async function platformRow(c: Context, round: number, row: Exclude<Row, 'baseline'>): Promise<RowRun> {
  const persistent = row === 'platform-persistent';
  const { bench, devices } = c;
  const settleTimeout = options['settle-timeout-ms'];
  const connectOptions = (d: DeviceIdentity) =>
    persistent ? persistentOptions(c, d) : signedConnectOptions(d, { clientId: `${d.deviceName}-c`, clean: true });
  await cycleSessions(
    bench.mqttUrl,
    devices.map((d) => ({
      connect: () => connectOptions(d),
      subscribe: persistent ? commandTopic(kind, d) : undefined,
    })),
    options['prime-concurrency'],
    options['timeout-ms'],
  );
  await c.consumers.settled(settleTimeout);
  const accepted = await queueCommands(bench.api, kind, devices, round, options['setup-concurrency']);
  const ids = accepted.map((a) => a.commandId);
  const statusesQueued = countBy(accepted, (a) => a.status);
  const expectedQueued = persistent ? 'DELIVERED' : 'PENDING';
  if (statusesQueued[expectedQueued] !== devices.length)
    log(`  commands when queued: ${JSON.stringify(statusesQueued)} (expected ${expectedQueued})`);
  const specs: StormDevice[] = devices.map((d, i) => ({
    connect: connectOptions(d),
    topic: commandTopic(kind, d),
    subscribe: !persistent,
    matches: commandMatcher(kind, d, round, ids[i]),
  }));
  await c.consumers.settled(settleTimeout);
  await sleep(options['pause-ms']);
  const m = await measure(c, bench.mqttUrl, specs, (startMs) => {
    c.downlinks.reset();
    c.consumers.start(startMs);
  });
  const { result } = m;
  const everyCommand = result.allDeliveredMs !== undefined;
  const recordedAt = await c.table.waitAll(ids, ['DELIVERED'], everyCommand ? settleTimeout : 5_000);
  const settledAt = await c.consumers.settled(settleTimeout);
  const consumers = await c.consumers.stop();
  const cpuMsSettled = Object.fromEntries(cpuDelta(m.before, cpuSnapshot(c.watched, CLIENT)));
  const endUs = monotonicNowUs();
  const statusesFinal = await c.table.statuses(ids);
  const api = await apiStatuses(bench.api, ids, options['status-sample'], options['setup-concurrency']);
  let hops: PlatformFigures['hops'];
  if (!persistent) {
    const events = await storedConnectionEvents(bench, devices[0].productKey, result.startMs - 1000);
    const deliveredById = await c.table.deliveredAt(ids);
    const deliveredAt = new Map<number, number>();
    ids.forEach((id, i) => {
      const at = deliveredById.get(id);
      if (at !== undefined) deliveredAt.set(i, at);
    });
    hops = hopFigures(
      result,
      devices.map((d) => ({ deviceName: d.deviceName, topic: commandTopic(kind, d) })),
      events,
      deliveredAt,
      (topic) => c.downlinks.requests(topic),
    );
  }
  await closeAll(result.clients);
  if (persistent) {
    // Ends the sessions (clean=true with the same clientId), so the next round's commands queue in apps/tsl again.
    await cycleSessions(
      bench.mqttUrl,
      devices.map((d) => ({ connect: () => persistentOptions(c, d, true) })),
      options['prime-concurrency'],
      options['timeout-ms'],
    );
  }
  await c.consumers.settled(settleTimeout);
  return {
    row,
    round,
    figures: stormFigures(result),
    samples: stormSamples(result),
    cpuMs: m.cpuMs,
    machineMs: m.machineMs,
    otherMs: m.otherMs,
    tcp: m.tcp,
    serverGroups: c.serverGroups.platform,
    platform: {
      statusesQueued,
      statusesFinal,
      api,
      recordedAfterMs: recordedAt === undefined ? Number.NaN : recordedAt - result.startMs,
      settledAfterMs: settledAt - result.startMs,
      consumers,
      cpuMsSettled,
      hops,
    },
    window: { startUs: m.startUs, endUs },
  };
}

/** The commands and thing model the run wrote, so the bench database does not grow run after run. */
async function deleteTslRows(databaseUrl: string, productKey: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    await db.query('DELETE FROM "tsl"."Command" WHERE "productKey" = $1', [productKey]);
    await db.query('DELETE FROM "tsl"."ThingModel" WHERE "productKey" = $1', [productKey]);
  } finally {
    await db.end();
  }
}

async function main(): Promise<number> {
  if (!checkFileLimit(options.devices)) return 1;
  if (!procAvailable) log('no /proc here: CPU figures will be missing');
  const stamp = resultStamp();
  const profiling = options.flags.has('profile');
  const profileDir = join(repoRoot, 'bench', 'results', `reconnect-${stamp}-profiles`);
  if (profiling) mkdirSync(profileDir, { recursive: true });
  log('starting the platform (dist/) with a bus namespace of its own');
  const bench = await startBenchPlatform({
    logLevel: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    cpuProfile: profiling ? { dir: profileDir, apps: ['bridge', 'tsl', 'auth'] } : undefined,
  });
  const runs: RowRun[] = [];
  let profiles = '';
  let broker: BareBrokerProcess | undefined;
  let table: CommandTable | undefined;
  let fixture: { productKey: string; devices: DeviceIdentity[] } | undefined;
  try {
    log(`creating 1 product with a thing model and ${options.devices} devices through the API (setup, not measured)`);
    fixture = await createDevices(
      bench.api,
      options.devices,
      options['setup-concurrency'],
      (n) => log(`  ${n} devices`),
      'reconnect bench',
    );
    await bench.api.ok('PUT', `/v1/products/${fixture.productKey}/thing-model`, BENCH_MODEL);
    broker = await startBareBroker();
    table = await CommandTable.open(bench.databaseUrl);
    const database = new URL(bench.databaseUrl).pathname.slice(1);
    const postgres = postgresProcesses(database);
    const apps = bench.processes();
    const ownBroker = broker;
    const bare: WatchedProcess = { name: 'bare broker', pids: () => [ownBroker.pid] };
    const platformServer = [...apps, processesNamed('nats-server'), postgres.own, postgres.server];
    const context: Context = {
      bench,
      broker,
      devices: fixture.devices,
      table,
      consumers: new ConsumerWatch(bench),
      downlinks: new DownlinkTap(bench),
      watched: [bare, ...platformServer, postgres.others],
      serverGroups: { baseline: [bare.name], platform: platformServer.map((g) => g.name) },
      timestamp: String(Date.now()),
    };
    const rows: Row[] = [
      'baseline',
      'platform',
      ...(options.flags.has('skip-persistent') ? [] : ['platform-persistent' as const]),
    ];
    for (let round = 1; round <= options.rounds; round++) {
      for (const row of rows) {
        log(`round ${round}: ${ROWS[row]}`);
        const run = row === 'baseline' ? await baselineRow(context, round) : await platformRow(context, round, row);
        log(`  ${describe(run)}`);
        runs.push(run);
      }
    }
    if (profiling) profiles = await profileSection(bench, runs);
  } catch (error) {
    process.stderr.write(`${bench.recentLogs().slice(-40).join('\n')}\n`);
    throw error;
  } finally {
    await table?.close();
    await broker?.stop();
    if (fixture && !options.flags.has('keep-devices')) {
      log('deleting the bench devices and their commands');
      const { productKey, devices } = fixture;
      await deleteDevices(bench.api, productKey, devices, options['setup-concurrency'])
        .then(() => deleteTslRows(bench.databaseUrl, productKey))
        .catch((error: unknown) => log(`could not delete the bench devices: ${String(error)}`));
    }
    await bench.stop();
  }

  const settings = {
    devices: options.devices,
    concurrency: options.concurrency,
    kind,
    rounds: options.rounds,
    deadlineMs: options['deadline-ms'],
  };
  let markdown = renderReport(runs, settings);
  if (profiles) markdown += `\n\n${profiles}`;
  const summaries = (Object.keys(ROWS) as Row[]).flatMap((row) => summarizeRow(row, runs) ?? []);
  const baseline = summaries.find((s) => s.row === 'baseline');
  const written = writeReport(
    'reconnect',
    {
      bench: 'reconnect',
      at: new Date().toISOString(),
      settings: { ...options, flags: [...options.flags] },
      environment: environment(),
      rows: summaries,
      ratios: Object.fromEntries(
        summaries
          .filter((s) => s.row !== 'baseline' && baseline)
          .map((s) => [
            s.row,
            {
              timeToAll: s.allDeliveredMs / baseline!.allDeliveredMs,
              p99: s.fromOwnStart.p99 / baseline!.fromOwnStart.p99,
              serverCpuPerCommand: s.serverCpuMsPerCommand / baseline!.serverCpuMsPerCommand,
            },
          ]),
      ),
      runs: runs.map(({ samples: _, ...run }) => run),
    },
    markdown,
    stamp,
  );
  process.stdout.write(`${markdown}\n`);
  log(`report: ${written.markdown} (and .json)`);
  return runs.some((r) => failedCount(r.figures) > 0) ? 3 : 0;
}

/** Summarises the bridge, tsl and auth profiles over the clean-session platform storms (start → settled). */
async function profileSection(bench: BenchPlatform, runs: readonly RowRun[]): Promise<string> {
  const paths = await bench.writeCpuProfiles();
  const measured = runs.filter((r) => r.row === 'platform');
  const commands = measured.reduce((n, r) => n + r.figures.delivered, 0);
  log(`CPU profiles: ${[...paths.values()].join(', ')}`);
  return renderProfiles(
    [...paths].map(([app, path]) => ({
      app,
      summary: summarizeCpuProfile(
        path,
        measured.map((r) => r.window),
      ),
    })),
    commands,
  );
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `reconnect bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
