import type { ProfileSummary, TimeWindow } from '../lib/cpu-profile';
import type { TcpCounters } from '../lib/netstat';
import { formatNumber, markdownTable, type Cell } from '../lib/report';
import { ratio, summarize, type LatencySummary } from '../lib/stats';
import type { ConsumerBacklog, StoredEvents } from './platform-side';
import type { StormResult } from './sessions';

/** The three storms of a round: the bare broker's own queue, and the platform's two ways to a queued command. */
export type Row = 'baseline' | 'platform' | 'platform-persistent';

export const ROWS: Record<Row, string> = {
  baseline: 'baseline: bare Aedes, persistent sessions (QoS 1 queued by the broker)',
  platform: 'platform: clean session, SUBSCRIBE after CONNACK (command queued by apps/tsl)',
  'platform-persistent': 'platform: persistent sessions, no SUBSCRIBE (command handed to the session)',
};

export const TARGET_MS = 1000;
export const CLIENT = 'bench client';

/** Per-device delays of one storm, ms. */
export interface StormFigures {
  devices: number;
  delivered: number;
  /** Connected, but the command had not arrived by the deadline. */
  missing: number;
  /** Never connected, by cause. */
  connectFailures: Record<string, number>;
  /** Dropped after CONNACK (closed, SUBSCRIBE refused) before the command arrived. */
  dropped: number;
  duplicates: number;
  unexpected: number;
  /** Storm start → last command; NaN when some never arrived. */
  allDeliveredMs: number;
  /** Storm start → deadline or last command (the window the CPU figures cover). */
  windowMs: number;
  fromOwnStart: LatencySummary;
  fromStormStart: LatencySummary;
  connack: LatencySummary;
  connackToMessage: LatencySummary;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const defined = (values: readonly (number | undefined)[]) => values.filter((v): v is number => v !== undefined);

/** The raw per-device delays, kept to pool rounds. */
export interface StormSamples {
  fromOwnStart: number[];
  fromStormStart: number[];
  connack: number[];
  connackToMessage: number[];
}

export function stormSamples(result: StormResult): StormSamples {
  const o = result.outcomes;
  return {
    fromOwnStart: defined(o.map((d) => (d.messageMs === undefined ? undefined : d.messageMs - d.startMs))),
    fromStormStart: defined(o.map((d) => (d.messageMs === undefined ? undefined : d.messageMs - result.startMs))),
    connack: defined(o.map((d) => (d.connackMs === undefined ? undefined : d.connackMs - d.startMs))),
    connackToMessage: defined(
      o.map((d) => (d.messageMs === undefined || d.connackMs === undefined ? undefined : d.messageMs - d.connackMs)),
    ),
  };
}

export function stormFigures(result: StormResult): StormFigures {
  const o = result.outcomes;
  const samples = stormSamples(result);
  const connectFailures: Record<string, number> = {};
  for (const d of o)
    if (d.connackMs === undefined) connectFailures[d.failure ?? '?'] = (connectFailures[d.failure ?? '?'] ?? 0) + 1;
  return {
    devices: o.length,
    delivered: samples.fromOwnStart.length,
    missing: o.filter((d) => d.connackMs !== undefined && d.messageMs === undefined && !d.failure).length,
    connectFailures,
    dropped: o.filter((d) => d.connackMs !== undefined && d.messageMs === undefined && d.failure).length,
    duplicates: sum(o.map((d) => d.duplicates)),
    unexpected: sum(o.map((d) => d.unexpected)),
    allDeliveredMs: result.allDeliveredMs === undefined ? Number.NaN : result.allDeliveredMs - result.startMs,
    windowMs: result.endMs - result.startMs,
    fromOwnStart: summarize(samples.fromOwnStart),
    fromStormStart: summarize(samples.fromStormStart),
    connack: summarize(samples.connack),
    connackToMessage: summarize(samples.connackToMessage),
  };
}

/** Platform rows: the commands' statuses and how long the platform took to settle. */
export interface PlatformFigures {
  /** Statuses right after the commands were created (before the storm). */
  statusesQueued: Record<string, number>;
  /** Final statuses, every command, from apps/tsl's table. */
  statusesFinal: Record<string, number>;
  /** The same through `GET /v1/commands/{id}`, for a sample. */
  api: { checked: number; statuses: Record<string, number> };
  /** Storm start → every command DELIVERED in the table (NaN: not within the settle timeout). */
  recordedAfterMs: number;
  /** Storm start → every connection event handled by every consumer. */
  settledAfterMs: number;
  consumers: ConsumerBacklog[];
  /** CPU ms by group from the storm start until settled. */
  cpuMsSettled: Record<string, number>;
  hops?: HopFigures;
}

export interface RowRun {
  row: Row;
  round: number;
  figures: StormFigures;
  samples: StormSamples;
  /** CPU ms by group from the storm start until every command arrived (or the deadline). */
  cpuMs: Record<string, number>;
  /** Busy ms of the whole machine in that window, and of it what no watched process used (other work). */
  machineMs: number;
  otherMs: number;
  /** The kernel's listen-queue overflows and SYN retransmits during the storm (machine-wide). */
  tcp: TcpCounters;
  serverGroups: string[];
  platform?: PlatformFigures;
  /** Monotonic window (storm start → settled) to slice CPU profiles. */
  window: TimeWindow;
}

/** Where a platform delivery's time goes, per device, from the client's, JetStream's, NATS's and Postgres's clocks. */
export interface HopFigures {
  matched: number;
  hops: { hop: string; summary: LatencySummary }[];
  /** apps/tsl's publish requests to the bridge per command (more than 1: tries that found no subscriber). */
  publishRequests: LatencySummary;
}

export function hopFigures(
  result: StormResult,
  devices: readonly { deviceName: string; topic: string }[],
  events: StoredEvents,
  deliveredAt: ReadonlyMap<number, number>,
  publishRequests: (topic: string) => readonly number[],
): HopFigures {
  const hops: Record<string, number[]> = {
    'CONNECT → CONNACK (bridge, NATS request to apps/auth)': [],
    'CONNACK → SUBACK (bridge)': [],
    'CONNACK → `connected` event stored in JetStream': [],
    'SUBACK → `subscribed` event stored in JetStream': [],
    '`connected` event stored → command received': [],
    'last event stored → last publish request (apps/tsl: consumer, queries)': [],
    'last publish request → command received (bridge RPC, Aedes, MQTT)': [],
    'command received → DELIVERED written (apps/tsl)': [],
    'CONNECT → command received': [],
  };
  const keys = Object.keys(hops);
  const requestCounts: number[] = [];
  let matched = 0;
  result.outcomes.forEach((o, i) => {
    const connected = events.connected.get(devices[i].deviceName);
    const subscribed = events.subscribed.get(devices[i].deviceName);
    if (o.messageMs === undefined || o.connackMs === undefined || !connected) return;
    matched++;
    const requests = publishRequests(devices[i].topic);
    requestCounts.push(requests.length);
    hops[keys[0]].push(o.connackMs - o.startMs);
    if (o.subackMs !== undefined) hops[keys[1]].push(o.subackMs - o.connackMs);
    hops[keys[2]].push(connected.storedMs - o.connackMs);
    if (subscribed && o.subackMs !== undefined) hops[keys[3]].push(subscribed.storedMs - o.subackMs);
    hops[keys[4]].push(o.messageMs - connected.storedMs);
    const request = Math.max(...requests.filter((t) => t <= o.messageMs!));
    const event = Math.max(...[connected.storedMs, subscribed?.storedMs ?? 0].filter((t) => t <= request));
    if (Number.isFinite(request) && Number.isFinite(event)) {
      hops[keys[5]].push(request - event);
      hops[keys[6]].push(o.messageMs - request);
    }
    const recorded = deliveredAt.get(i);
    if (recorded !== undefined) hops[keys[7]].push(recorded - o.messageMs);
    hops[keys[8]].push(o.messageMs - o.startMs);
  });
  return {
    matched,
    publishRequests: summarize(requestCounts),
    hops: Object.entries(hops).map(([hop, values]) => ({ hop, summary: summarize(values) })),
  };
}

/** Several rounds of one row pooled: percentiles over every device, time-to-all as the median of the rounds. */
export interface RowSummary {
  row: Row;
  rounds: number;
  devices: number;
  delivered: number;
  failed: number;
  allDeliveredMs: number;
  fromOwnStart: LatencySummary;
  fromStormStart: LatencySummary;
  connack: LatencySummary;
  connackToMessage: LatencySummary;
  serverCpuMsPerCommand: number;
  clientCpuMsPerCommand: number;
  serverCpuMsPerCommandSettled: number;
}

/** The middle value (the mean of the two middle ones for an even count); NaN if any is NaN (a round not all delivered). */
const medianOf = (values: readonly number[]) => {
  if (values.length === 0 || values.some((v) => Number.isNaN(v))) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
};

export function failedCount(f: StormFigures): number {
  return f.missing + f.dropped + sum(Object.values(f.connectFailures));
}

export function summarizeRow(row: Row, runs: readonly RowRun[]): RowSummary | undefined {
  const own = runs.filter((r) => r.row === row);
  if (own.length === 0) return undefined;
  const delivered = sum(own.map((r) => r.figures.delivered));
  const server = (r: RowRun, cpu: Record<string, number>) => sum(r.serverGroups.map((g) => cpu[g] ?? 0));
  return {
    row,
    rounds: own.length,
    devices: sum(own.map((r) => r.figures.devices)),
    delivered,
    failed: sum(own.map((r) => failedCount(r.figures))),
    allDeliveredMs: medianOf(own.map((r) => r.figures.allDeliveredMs)),
    fromOwnStart: summarize(own.flatMap((r) => r.samples.fromOwnStart)),
    fromStormStart: summarize(own.flatMap((r) => r.samples.fromStormStart)),
    connack: summarize(own.flatMap((r) => r.samples.connack)),
    connackToMessage: summarize(own.flatMap((r) => r.samples.connackToMessage)),
    serverCpuMsPerCommand: sum(own.map((r) => server(r, r.cpuMs))) / delivered,
    clientCpuMsPerCommand: sum(own.map((r) => r.cpuMs[CLIENT] ?? 0)) / delivered,
    serverCpuMsPerCommandSettled: sum(own.map((r) => server(r, r.platform?.cpuMsSettled ?? r.cpuMs))) / delivered,
  };
}

export interface ReportSettings {
  devices: number;
  concurrency: number;
  kind: string;
  rounds: number;
  deadlineMs: number;
}

const seconds = (ms: number) => ms / 1000;
const statusText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .map(([s, n]) => `${s} ${n}`)
    .join(', ') || '–';

export function renderReport(runs: readonly RowRun[], settings: ReportSettings): string {
  const rowNames = (Object.keys(ROWS) as Row[]).filter((row) => runs.some((r) => r.row === row));
  const summaries = rowNames.map((row) => summarizeRow(row, runs)!);
  const baseline = summaries.find((s) => s.row === 'baseline');
  const inFlight = settings.concurrency > 0 ? `${settings.concurrency} CONNECTs in flight` : 'all CONNECTs at once';
  const label = (r: RowRun) => (settings.rounds > 1 ? `${r.row} #${r.round}` : r.row);

  const storms = markdownTable({
    columns: [
      'storm',
      'delivered',
      'failed',
      'dup',
      'all delivered s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'p99 from storm start ms',
    ],
    rows: runs.map((r): Cell[] => [
      label(r),
      r.figures.delivered,
      failedCount(r.figures),
      r.figures.duplicates,
      seconds(r.figures.allDeliveredMs),
      r.figures.fromOwnStart.p50,
      r.figures.fromOwnStart.p90,
      r.figures.fromOwnStart.p99,
      r.figures.fromOwnStart.max,
      r.figures.fromStormStart.p99,
    ]),
  });
  const split = markdownTable({
    columns: [
      'storm',
      'from storm start p50 ms',
      'p90 ms',
      'max ms',
      'CONNECT→CONNACK p50 ms',
      'p99 ms',
      'CONNACK→command p50 ms',
      'p99 ms',
      'server CPU ms/command',
      'client CPU ms/command',
      'other load (cores)',
      'listen overflows',
      'SYN retransmits',
    ],
    rows: runs.map((r): Cell[] => {
      const s = summarizeRow(r.row, [r])!;
      return [
        label(r),
        r.figures.fromStormStart.p50,
        r.figures.fromStormStart.p90,
        r.figures.fromStormStart.max,
        r.figures.connack.p50,
        r.figures.connack.p99,
        r.figures.connackToMessage.p50,
        r.figures.connackToMessage.p99,
        s.serverCpuMsPerCommand,
        s.clientCpuMsPerCommand,
        r.otherMs / r.figures.windowMs,
        r.tcp.listenOverflows,
        r.tcp.synRetransmits,
      ];
    }),
  });
  const platformRows = summaries.filter((s) => s.row !== 'baseline');
  const ratioRows = (
    [
      ['time until all delivered, s', (s: RowSummary) => seconds(s.allDeliveredMs)],
      ['p50 per device, ms', (s: RowSummary) => s.fromOwnStart.p50],
      ['p99 per device, ms', (s: RowSummary) => s.fromOwnStart.p99],
      ['p99 from storm start, ms', (s: RowSummary) => s.fromStormStart.p99],
      ['CONNACK→command p99, ms', (s: RowSummary) => s.connackToMessage.p99],
      ['server CPU ms/command (until delivered)', (s: RowSummary) => s.serverCpuMsPerCommand],
      ['server CPU ms/command (until settled)', (s: RowSummary) => s.serverCpuMsPerCommandSettled],
    ] as const
  ).map(([metric, pick]): Cell[] => [
    metric,
    baseline ? pick(baseline) : null,
    ...platformRows.flatMap((p) => [pick(p), baseline ? ratio(pick(p), pick(baseline)) : null]),
  ]);
  const ratioTable = markdownTable({
    columns: ['metric', 'baseline', ...platformRows.flatMap((p) => [p.row, `${p.row} / baseline`])],
    rows: ratioRows,
  });
  const target = platformRows.map((p) => {
    const worst = Math.max(...runs.filter((r) => r.row === p.row).map((r) => r.figures.allDeliveredMs));
    const met = Number.isFinite(worst) && worst <= TARGET_MS;
    return `- ${p.row}: ${met ? '**met**' : '**not met**'} (slowest round: ${Number.isFinite(worst) ? `${formatNumber(worst / 1000)} s` : 'not every command arrived'}; baseline ${baseline ? `${formatNumber(baseline.allDeliveredMs / 1000)} s` : '–'})`;
  });

  const platformRuns = runs.filter((r) => r.platform);
  const statuses = markdownTable({
    columns: [
      'storm',
      'statuses when queued',
      'final statuses (table)',
      'API sample',
      'all DELIVERED after s',
      'events handled after s',
    ],
    rows: platformRuns.map((r): Cell[] => [
      label(r),
      statusText(r.platform!.statusesQueued),
      statusText(r.platform!.statusesFinal),
      `${r.platform!.api.checked}: ${statusText(r.platform!.api.statuses)}`,
      seconds(r.platform!.recordedAfterMs),
      seconds(r.platform!.settledAfterMs),
    ]),
  });
  const consumerNames = [...new Set(platformRuns.flatMap((r) => r.platform!.consumers.map((c) => c.consumer)))].sort();
  const consumers = markdownTable({
    columns: ['storm', ...consumerNames.flatMap((c) => [`${c} max backlog`, 'drained after s'])],
    rows: platformRuns.map((r): Cell[] => [
      label(r),
      ...consumerNames.flatMap((name) => {
        const c = r.platform!.consumers.find((x) => x.consumer === name);
        return [c?.maxBacklog, c ? seconds(c.drainedAfterMs) : undefined];
      }),
    ]),
  });
  const hopSections = platformRuns
    .filter((r) => r.platform!.hops)
    .map((r) => {
      const h = r.platform!.hops!;
      return [
        `#### ${label(r)}: ${h.matched} devices matched`,
        '',
        `apps/tsl's publish requests to the bridge per command: mean ${formatNumber(h.publishRequests.mean)}, max ${formatNumber(h.publishRequests.max)} ` +
          '(more than one: a try before the device subscribed, on its `connected` event).',
        '',
        markdownTable({
          columns: ['hop (per device)', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms'],
          rows: h.hops.map((x): Cell[] => [x.hop, x.summary.p50, x.summary.p90, x.summary.p99, x.summary.max]),
        }),
      ].join('\n');
    });
  const groups = [...new Set(runs.flatMap((r) => [...r.serverGroups, CLIENT]))].filter((g) =>
    runs.some((r) => (r.platform?.cpuMsSettled[g] ?? r.cpuMs[g] ?? 0) > 0),
  );
  const cpuTable = markdownTable({
    columns: ['process', ...rowNames.flatMap((row) => [`${row}: ms/command until delivered`, 'until settled'])],
    rows: groups.map((g): Cell[] => [
      g,
      ...rowNames.flatMap((row) => {
        const own = runs.filter((r) => r.row === row);
        const delivered = sum(own.map((r) => r.figures.delivered));
        const until = sum(own.map((r) => r.cpuMs[g] ?? 0)) / delivered;
        const settled = own.every((r) => r.platform)
          ? sum(own.map((r) => r.platform!.cpuMsSettled[g] ?? 0)) / delivered
          : undefined;
        return [until, settled];
      }),
    ]),
  });
  const failures = runs
    .filter((r) => failedCount(r.figures) > 0 || r.figures.unexpected > 0)
    .map(
      (r) =>
        `- ${label(r)}: ${r.figures.missing} missing at the deadline, ${r.figures.dropped} dropped after CONNACK, ` +
        `connect failures ${JSON.stringify(r.figures.connectFailures)}, ${r.figures.unexpected} unexpected messages`,
    );

  return [
    `## Reconnect storm: ${settings.devices} devices with one queued command each (${settings.kind}), ${inFlight}, ${settings.rounds} round(s)`,
    '',
    ...rowNames.map((row) => `- \`${row}\`: ${ROWS[row]}`),
    '',
    `Per device: from its own \`mqtt.connect\` until its command arrived. Failed: no CONNACK, dropped, or no command ${settings.deadlineMs / 1000} s after the storm started.`,
    'Dup: further copies of a command a device received (at-least-once delivery showing).',
    '',
    storms,
    '',
    split,
    '',
    "Other load: CPU of the machine used by no watched process during the storm (someone else's work), in cores. Listen",
    'overflows and SYN retransmits (kernel, machine-wide): handshakes dropped because an accept queue was full; the client',
    'retries 1 s later, then 3 s.',
    '',
    '### Platform relative to the bare broker (same run)',
    '',
    ...(settings.rounds > 1
      ? [
          'Rounds pooled: time until all delivered is the median round; percentiles are over every device of every round.',
          '',
        ]
      : []),
    ratioTable,
    '',
    `Target, every command delivered within ${TARGET_MS / 1000} s of the storm's start:`,
    '',
    ...target,
    '',
    '### Commands and connection events (platform)',
    '',
    statuses,
    '',
    'Backlog of each durable consumer of the connection stream (events stored, not yet acknowledged), polled every 100 ms:',
    '',
    consumers,
    ...(hopSections.length ? ['', '### Where a platform delivery spends its time', '', ...hopSections] : []),
    '',
    '### CPU per delivered command',
    '',
    'Until delivered: storm start → last command received. Until settled: → every command DELIVERED in the table and every',
    'connection event handled. nats-server and postgres (server) are shared services: they include whatever else ran on them.',
    '',
    cpuTable,
    ...(failures.length ? ['', 'Failures:', ...failures] : []),
  ].join('\n');
}

/** `--profile`: where bridge, tsl and auth spent their CPU during the platform's clean-session storms. */
export function renderProfiles(
  profiles: readonly { app: string; summary: ProfileSummary }[],
  commands: number,
): string {
  const share = (ms: number, total: number) => `${((ms / total) * 100).toFixed(1)} %`;
  const sections = profiles.map(({ app, summary }) =>
    [
      `#### ${app}: ${formatNumber(summary.busyMs)} ms of busy samples, ${formatNumber(summary.busyMs / commands)} ms per command`,
      '',
      markdownTable({
        columns: ['area (self time, callers charged for Node/native work)', 'ms', 'share'],
        rows: summary.byOwner.map((a): Cell[] => [a.area, a.ms, share(a.ms, summary.busyMs)]),
      }),
      '',
      markdownTable({
        columns: ['function (self time)', 'area', 'ms', 'share'],
        rows: summary.byFunction.map((f): Cell[] => [f.fn, f.area, f.ms, share(f.ms, summary.busyMs)]),
      }),
      '',
      markdownTable({
        columns: ['repository function (inclusive)', 'area', 'ms', 'share'],
        rows: summary.repoInclusive.map((f): Cell[] => [f.fn, f.area, f.ms, share(f.ms, summary.busyMs)]),
      }),
    ].join('\n'),
  );
  return [
    '### CPU profiles of the platform storms (`--profile`)',
    '',
    'Samples from the start of each clean-session platform storm until it settled. Sampling slows the apps, and on a',
    'saturated machine a sample includes waiting for a core: read shares, not speed.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}
