/**
 * Rules throughput: device messages published straight onto the uplink stream, through enabled rules with
 * one NATS action each, until every action ran — next to the bus itself (the same publish loop, read by a
 * plain durable consumer), in the same run. Run on demand (`npm run bench:rules`), never by the test suite.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DeviceEvents, UPLINK_STREAM, type RuleView, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { waitFor } from '@iot/testing';
import { parseOptions } from '../lib/args';
import { startBenchPlatform, type BenchPlatform } from '../lib/bench-platform';
import {
  cpuDelta,
  cpuSnapshot,
  postgresProcesses,
  processesNamed,
  procAvailable,
  type WatchedProcess,
} from '../lib/cpu';
import { monotonicNowUs, summarizeCpuProfile, type TimeWindow } from '../lib/cpu-profile';
import { mapPool } from '../lib/pool';
import { environment, formatNumber, markdownTable, repoRoot, resultStamp, writeReport } from '../lib/report';
import { ratio } from '../lib/stats';

const options = parseOptions(
  'Usage: node dist/bench/rules/rules.bench.js [options]',
  {
    messages: { default: 5_000, min: 1, help: 'messages published in each measured phase' },
    rules: { default: 100, min: 1, help: 'enabled rules, one NATS action each' },
    warmup: { default: 500, min: 0, help: 'unmeasured messages before each phase' },
    inflight: { default: 256, min: 1, help: 'publishes waiting for their JetStream acknowledgement at once' },
    rounds: { default: 1, min: 1, help: 'times the three phases run, one after the other' },
    'timeout-ms': { default: 600_000, min: 1_000, help: 'deadline of one phase' },
  },
  { profile: 'sample apps/rules with the V8 profiler and summarise where the rule phases spent CPU' },
);

const log = (line: string) => process.stderr.write(`[bench:rules] ${line}\n`);
const RULES_CONSUMER = 'rules-uplink';
const BASELINE_CONSUMER = 'bench-baseline';
/** Devices the messages are spread over (in the one-match phase, at most one per rule). */
const DEVICES = 100;

interface Phase {
  name: string;
  description: string;
  round: number;
  /** Rules each message matches, hence actions each message runs. */
  matching: number;
  messages: number;
  publishMs: number;
  /** First publish to the last action (or, for the baseline, the last message consumed). */
  wallMs: number;
  cpuMs: Record<string, number>;
}

/** A device message as the bridge would publish it, for the bench's own product key. */
function uplink(
  productKey: string,
  n: number,
  devices: number,
): { tokens: ['custom', string, string]; message: UplinkMessage } {
  const deviceName = `dev-${n % devices}`;
  return {
    tokens: ['custom', productKey, deviceName],
    message: {
      messageId: `${productKey}-${n}`,
      productKey,
      deviceName,
      family: 'custom',
      topic: `/${productKey}/${deviceName}/user/update`,
      payload: Buffer.from(JSON.stringify({ temperature: 39 + (n % 10), humidity: 50, n })).toString('base64'),
      qos: 1,
      clientId: `${productKey}.${deviceName}|securemode=3|`,
      receivedAt: Date.now(),
      peerhost: '127.0.0.1',
    },
  };
}

/** Publishes `count` messages, `inflight` at a time, each acknowledged by JetStream; returns the wall time. */
async function publish(bus: Bus, productKey: string, devices: number, from: number, count: number): Promise<number> {
  const started = performance.now();
  await mapPool(
    Array.from({ length: count }, (_, i) => from + i),
    options.inflight,
    async (n) => {
      const { tokens, message } = uplink(productKey, n, devices);
      await bus.publish(DeviceEvents.uplink, tokens, message, message.messageId);
    },
  );
  return performance.now() - started;
}

/** Until apps/rules has read (and acknowledged) everything in the uplink stream. */
async function rulesCaughtUp(bench: BenchPlatform): Promise<void> {
  const stream = bench.streamName(UPLINK_STREAM);
  await waitFor(
    async () => {
      const info = await bench.jsm.consumers.info(stream, RULES_CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0;
    },
    { timeoutMs: options['timeout-ms'], intervalMs: 100, what: 'apps/rules to read the whole uplink stream' },
  );
}

/** Every rule the run created, deleted at the end. */
const created: RuleView[] = [];

async function createRules(
  bench: BenchPlatform,
  sql: (i: number) => string,
  subject: (i: number) => string,
): Promise<RuleView[]> {
  const rules = await mapPool(
    Array.from({ length: options.rules }, (_, i) => i),
    8,
    (i) =>
      bench.api.ok<RuleView>('POST', '/v1/rules', {
        name: `bench ${i}`,
        sql: sql(i),
        actions: [{ type: 'nats', subject: subject(i) }],
      }),
  );
  created.push(...rules);
  return rules;
}

async function setEnabled(bench: BenchPlatform, rules: readonly RuleView[], enabled: boolean): Promise<void> {
  await mapPool(rules, 8, (r) => bench.api.ok('POST', `/v1/rules/${r.id}/${enabled ? 'enable' : 'disable'}`));
}

/** What one phase publishes, what it waits for, and which rules are enabled meanwhile. */
interface PhasePlan {
  name: string;
  description: string;
  productKey: string;
  devices: number;
  matching: number;
  done: () => number;
  rules: RuleView[];
}

async function main(): Promise<number> {
  if (!procAvailable) log('no /proc here: CPU figures will be missing');
  const stamp = resultStamp();
  const profileDir = join(repoRoot, 'bench', 'results', `rules-${stamp}-profiles`);
  const profiling = options.flags.has('profile');
  if (profiling) mkdirSync(profileDir, { recursive: true });
  log('starting the platform (dist/) with a bus namespace of its own');
  const bench = await startBenchPlatform({
    logLevel: process.env.PLATFORM_LOG_LEVEL ?? 'warn',
    cpuProfile: profiling ? { dir: profileDir, apps: ['rules'] } : undefined,
  });
  const bus = new Bus(bench.nats, bench.busNamespace);
  const database = new URL(bench.databaseUrl).pathname.slice(1);
  const pg = postgresProcesses(database);
  const watched: WatchedProcess[] = [...bench.processes(), processesNamed('nats-server'), pg.own, pg.server];
  const run = randomBytes(3).toString('hex');
  const phases: Phase[] = [];
  const ruleWindows: TimeWindow[] = [];
  let profileSummary = '';
  try {
    // Deliveries of every phase land on the bench's own subjects (operator subjects are not namespaced).
    const prefix = `bench.rules.${run}`;
    let delivered = 0;
    const sub = bench.nats.subscribe(`${prefix}.>`, {
      callback: () => {
        delivered++;
      },
    });

    // The bus alone: a plain durable consumer reads the messages (apps/rules reads them too, with no rule
    // enabled for them, as in a platform without rules).
    const basePk = `bbase${run}`;
    let consumed = 0;
    await bus.consume(
      DeviceEvents.uplink,
      { durable: BASELINE_CONSUMER, filter: `uplink.v1.custom.${basePk}.*`, concurrency: 256 },
      () => {
        consumed++;
        return Promise.resolve();
      },
    );

    const allPk = `ball${run}`;
    const onePk = `bone${run}`;
    const oneDevices = Math.min(options.rules, DEVICES);
    log(`creating 2 × ${options.rules} rules (disabled; each phase enables its own)`);
    const allRules = await createRules(
      bench,
      () => `SELECT temperature AS t, deviceName() AS device FROM "/${allPk}/+/user/update" WHERE temperature > 38`,
      (i) => `${prefix}.all.${i}`,
    );
    const oneRules = await createRules(
      bench,
      (i) =>
        `SELECT temperature AS t, deviceName() AS device FROM "/${onePk}/dev-${i}/user/update" WHERE temperature > 38`,
      (i) => `${prefix}.one.${i}`,
    );
    const plans: PhasePlan[] = [
      {
        name: 'bus (no rules)',
        description: 'the publish loop and a plain durable consumer',
        productKey: basePk,
        devices: DEVICES,
        matching: 0,
        done: () => consumed,
        rules: [],
      },
      {
        name: `${options.rules} rules, all match`,
        description: 'every message matches every rule (WHERE temperature > 38) and runs its NATS publish',
        productKey: allPk,
        devices: DEVICES,
        matching: options.rules,
        done: () => delivered,
        rules: allRules,
      },
      {
        name: `${options.rules} rules, 1 matches`,
        description: `every rule's FROM is checked; each message (over ${oneDevices} devices) matches the rule of its device`,
        productKey: onePk,
        devices: oneDevices,
        matching: 1,
        done: () => delivered,
        rules: oneRules,
      },
    ];
    const published = new Map<string, number>();

    const measure = async (plan: PhasePlan, round: number): Promise<void> => {
      const perMessage = Math.max(plan.matching, 1);
      let n = published.get(plan.productKey) ?? 0;
      await setEnabled(bench, plan.rules, true);
      if (options.warmup > 0) {
        const target = plan.done() + options.warmup * perMessage;
        await publish(bus, plan.productKey, plan.devices, n, options.warmup);
        n += options.warmup;
        await waitFor(() => plan.done() >= target, { timeoutMs: options['timeout-ms'], what: `${plan.name} warm-up` });
        await rulesCaughtUp(bench);
      }
      log(`round ${round}, ${plan.name}: ${options.messages} messages`);
      const target = plan.done() + options.messages * perMessage;
      const before = cpuSnapshot(watched);
      const window = { startUs: monotonicNowUs(), endUs: 0 };
      const started = performance.now();
      const publishMs = await publish(bus, plan.productKey, plan.devices, n, options.messages);
      await waitFor(() => plan.done() >= target, { timeoutMs: options['timeout-ms'], intervalMs: 5, what: plan.name });
      const wallMs = performance.now() - started;
      window.endUs = monotonicNowUs();
      const cpuMs = Object.fromEntries(cpuDelta(before, cpuSnapshot(watched)));
      if (plan.matching > 0) ruleWindows.push(window);
      published.set(plan.productKey, n + options.messages);
      await rulesCaughtUp(bench);
      await setEnabled(bench, plan.rules, false);
      phases.push({
        name: plan.name,
        description: plan.description,
        round,
        matching: plan.matching,
        messages: options.messages,
        publishMs,
        wallMs,
        cpuMs,
      });
      log(`  ${formatNumber((options.messages / wallMs) * 1000)} messages/s end to end`);
    };

    await rulesCaughtUp(bench);
    // Round 0, not reported: the first phase after start-up runs slow (JIT, connections, the apps settling).
    await measure(plans[0], 0);
    for (let round = 1; round <= options.rounds; round++) for (const plan of plans) await measure(plan, round);
    sub.unsubscribe();
    if (profiling) {
      const [path] = [...(await bench.writeCpuProfiles()).values()];
      profileSummary = renderProfile(path, ruleWindows);
    }
  } finally {
    await mapPool(created, 8, (r) => bench.api.call('DELETE', `/v1/rules/${r.id}`)).catch(() => undefined);
    await bench.stop();
  }
  const reported = phases.filter((p) => p.round > 0);
  const markdown = renderReport(reported, profileSummary);
  const written = writeReport(
    'rules',
    { options: { ...options, flags: [...options.flags] }, environment: environment(), phases: reported },
    markdown,
    stamp,
  );
  process.stdout.write(`${markdown}\n\nwritten to ${written.markdown}\n`);
  return 0;
}

function renderProfile(path: string, windows: readonly TimeWindow[]): string {
  const summary = summarizeCpuProfile(path, windows, 20);
  const pct = (ms: number) => `${formatNumber((100 * ms) / summary.busyMs)} %`;
  return [
    `apps/rules, sampled during the rule phases (${formatNumber(summary.busyMs)} ms busy; profile ${path}):`,
    '',
    markdownTable({
      columns: ['area (self time, charged to the calling package)', 'share'],
      rows: summary.byOwner.slice(0, 12).map((a) => [a.area, pct(a.ms)]),
    }),
    '',
    markdownTable({
      columns: ['function (self time)', 'area', 'share'],
      rows: summary.byFunction.slice(0, 20).map((f) => [f.fn, f.area, pct(f.ms)]),
    }),
  ].join('\n');
}

function renderReport(phases: readonly Phase[], profile: string): string {
  const rate = (p: Phase) => (p.messages / p.wallMs) * 1000;
  const baseOf = (p: Phase) => phases.find((b) => b.round === p.round && b.matching === 0);
  const table = markdownTable({
    columns: [
      'phase',
      'round',
      'messages',
      'actions per message',
      'publish msg/s',
      'end-to-end msg/s',
      'actions/s',
      'vs bus',
    ],
    rows: phases.map((p) => [
      p.name,
      p.round,
      p.messages,
      p.matching,
      (p.messages / p.publishMs) * 1000,
      rate(p),
      p.matching > 0 ? rate(p) * p.matching : null,
      ratio(rate(p), rate(baseOf(p) ?? p)),
    ]),
  });
  const groups = [...new Set(phases.flatMap((p) => Object.keys(p.cpuMs)))].filter((g) =>
    phases.some((p) => (p.cpuMs[g] ?? 0) / p.messages >= 0.001),
  );
  const cpuTable = markdownTable({
    columns: ['CPU ms per message', ...phases.map((p) => `${p.name} (${p.round})`)],
    rows: groups.map((g) => [g, ...phases.map((p) => (p.cpuMs[g] ?? 0) / p.messages)]),
  });
  const names = [...new Set(phases.map((p) => p.name))];
  return [
    `# bench:rules — ${new Date().toISOString()}`,
    '',
    `${options.messages} messages per phase (after ${options.warmup} unmeasured), published straight onto the uplink ` +
      `stream with ${options.inflight} in flight; end to end is the first publish to the last action (a NATS ` +
      'message received by the bench) or, for the bus, the last message consumed. One apps/rules process.',
    '',
    table,
    '',
    ...names.map((n) => `- **${n}**: ${phases.find((p) => p.name === n)!.description}`),
    '',
    cpuTable,
    '',
    "CPU by process during the measured phase (from /proc). Postgres is the bench database's backends and the " +
      "server's shared processes; nats-server is shared with whatever else runs on it.",
    ...(profile ? ['', profile] : []),
    '',
    `Machine: ${JSON.stringify(environment())}`,
  ].join('\n');
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `bench:rules failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
