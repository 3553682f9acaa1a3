import type { ProfileSummary, TimeWindow } from '../lib/cpu-profile';
import { formatNumber, markdownTable, type Cell } from '../lib/report';
import { ratio, type LatencySummary } from '../lib/stats';
import type { HopBreakdown } from './hops';
import type { RunResult, Side } from './ipc';

/** The process groups of the run, as named in the CPU figures. */
export const GROUPS = {
  bench: 'bench (orchestrator)',
  generator: 'load generator',
  bareBroker: 'bare broker',
  echo: 'echo',
} as const;

/** One measured load step of one side. */
export interface StepRun {
  /** `1000/s` or `saturation`. */
  step: string;
  side: Side;
  /** Open loop: offered updates/s. */
  offered?: number;
  /** Closed loop: updates awaiting their reply per device. */
  inflightPerDevice?: number;
  result: Omit<RunResult, 'latenciesMs' | 'sendLagMs' | 'samples'>;
  latency: LatencySummary;
  sendLag: LatencySummary;
  /** CPU ms by process group from the window's start until every update was answered. */
  cpuMs: Record<string, number>;
  /** Of `cpuMs`, the kernel's part (stime): system calls, loopback networking done in them. */
  systemMs: Record<string, number>;
  /** CPU ms by process group during the window only (start → end of sending). */
  cpuMsWindow: Record<string, number>;
  /** Busy CPU ms of the whole machine, same two spans. */
  machineMs: number;
  machineMsWindow: number;
  /** Interrupt and softirq time of the machine during the window (accounted to no process). */
  interruptMsWindow: number;
  /** The groups that serve this side (the rest is the load generator, the bench, or someone else). */
  serverGroups: string[];
  /** Platform only: the per-hop latency breakdown of sampled updates. */
  hops?: HopBreakdown;
  /** The window in CLOCK_MONOTONIC µs, for slicing CPU profiles. */
  window: TimeWindow;
}

export interface StepFigures {
  step: string;
  side: Side;
  offered?: number;
  sentPerSec: number;
  achievedPerSec: number;
  latency: LatencySummary;
  errors: number;
  timeouts: number;
  shed: number;
  serverCpuMsPerUpdate: number;
  generatorCpuMsPerUpdate: number;
  /** Cores the server side kept busy during the window. */
  serverCores: number;
  generatorCores: number;
  /** An open-loop step whose whole offered load was answered, in time and without errors. */
  sustained: boolean;
}

const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
const pct = (part: number, whole: number) => `${((part / whole) * 100).toFixed(1)} %`;

export function figures(run: StepRun): StepFigures {
  const r = run.result;
  const updates = r.repliesUntilDrained;
  const serverMs = sum(run.serverGroups.map((g) => run.cpuMs[g] ?? 0));
  const serverMsWindow = sum(run.serverGroups.map((g) => run.cpuMsWindow[g] ?? 0));
  const errors = sum(Object.values(r.errors));
  const achievedPerSec = (r.received / r.windowMs) * 1000;
  return {
    step: run.step,
    side: run.side,
    offered: run.offered,
    sentPerSec: (r.sent / r.windowMs) * 1000,
    achievedPerSec,
    latency: run.latency,
    errors,
    timeouts: r.timeouts,
    shed: r.shed,
    serverCpuMsPerUpdate: serverMs / updates,
    generatorCpuMsPerUpdate: (run.cpuMs[GROUPS.generator] ?? 0) / updates,
    serverCores: serverMsWindow / r.windowMs,
    generatorCores: (run.cpuMsWindow[GROUPS.generator] ?? 0) / r.windowMs,
    sustained:
      run.offered !== undefined &&
      achievedPerSec >= 0.99 * run.offered &&
      errors === 0 &&
      r.timeouts === 0 &&
      r.shed === 0,
  };
}

export interface Targets {
  throughput: { required: number; saturation?: number; step?: StepFigures; met: boolean };
  p99: { requiredMs: number; atRate: number; step?: StepFigures; met: boolean };
  cpu: { requiredRatio: number; step?: string; ratio?: number; sustained: boolean; met: boolean };
}

export const TARGETS = { updatesPerSec: 8000, p99Ms: 10, p99AtRate: 4000, cpuRatio: 3 } as const;

export function evaluateTargets(runs: readonly StepRun[]): Targets {
  const all = runs.map(figures);
  const platform = all.filter((f) => f.side === 'platform');
  const saturation = platform.find((f) => f.step === 'saturation');
  const at = (rate: number) => platform.find((f) => f.offered === rate);
  const fixed8k = at(TARGETS.updatesPerSec);
  const fixed4k = at(TARGETS.p99AtRate);
  // CPU: compared at the same work rate — the highest fixed load the platform sustained (else the lowest one,
  // else saturation, where the two sides run at very different rates and batch very differently).
  const fixed = platform.filter((f) => f.offered !== undefined);
  const cpuStep = (fixed.filter((f) => f.sustained).at(-1) ?? fixed[0] ?? saturation)?.step;
  const echoCpu = all.find((f) => f.side === 'echo' && f.step === cpuStep)?.serverCpuMsPerUpdate;
  const platformCpu = platform.find((f) => f.step === cpuStep)?.serverCpuMsPerUpdate;
  const cpuRatio = echoCpu !== undefined && platformCpu !== undefined ? ratio(platformCpu, echoCpu) : undefined;
  const cpuSustained = platform.find((f) => f.step === cpuStep)?.sustained ?? false;
  return {
    throughput: {
      required: TARGETS.updatesPerSec,
      saturation: saturation?.achievedPerSec,
      step: fixed8k,
      met:
        (saturation === undefined || saturation.achievedPerSec >= TARGETS.updatesPerSec) &&
        (fixed8k === undefined || fixed8k.sustained) &&
        (saturation !== undefined || fixed8k !== undefined),
    },
    p99: {
      requiredMs: TARGETS.p99Ms,
      atRate: TARGETS.p99AtRate,
      step: fixed4k,
      met: fixed4k !== undefined && fixed4k.sustained && fixed4k.latency.p99 <= TARGETS.p99Ms,
    },
    cpu: {
      requiredRatio: TARGETS.cpuRatio,
      step: cpuStep,
      ratio: cpuRatio,
      sustained: cpuSustained,
      met: cpuRatio !== undefined && cpuRatio <= TARGETS.cpuRatio,
    },
  };
}

export interface ReportSettings {
  devices: number;
  rates: number[];
  warmupMs: number;
  durationMs: number;
  saturationMs: number;
  saturationInflight: number;
  maxInflight: number;
  generators: number;
  shadowConcurrency?: number;
  /** 1, 5 and 15 minutes, when the run started. */
  loadAverage?: number[];
}

export function renderReport(
  runs: readonly StepRun[],
  settings: ReportSettings,
  idleCores: Record<string, number> = {},
): string {
  const all = runs.map(figures);
  const steps = [...new Set(runs.map((r) => r.step))];
  const pair = (step: string) => ({
    echo: all.find((f) => f.step === step && f.side === 'echo'),
    platform: all.find((f) => f.step === step && f.side === 'platform'),
  });
  const stepTable = markdownTable({
    columns: [
      'step',
      'side',
      'offered/s',
      'sent/s',
      'achieved/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'errors',
      'timeouts',
      'shed',
      'server CPU ms/update',
      'server cores',
      'generator CPU ms/update',
    ],
    rows: all.map((f): Cell[] => [
      f.step,
      f.side,
      f.offered,
      f.sentPerSec,
      f.achievedPerSec,
      f.latency.p50,
      f.latency.p90,
      f.latency.p99,
      f.latency.max,
      f.errors,
      f.timeouts,
      f.shed,
      f.serverCpuMsPerUpdate,
      f.serverCores,
      f.generatorCpuMsPerUpdate,
    ]),
  });
  const ratioTable = markdownTable({
    columns: ['step', 'achieved/s', 'p50', 'p99', 'server CPU/update', 'platform sustained it'],
    rows: steps.map((step): Cell[] => {
      const { echo, platform } = pair(step);
      if (!echo || !platform) return [step, null, null, null, null, null];
      return [
        step,
        ratio(platform.achievedPerSec, echo.achievedPerSec),
        ratio(platform.latency.p50, echo.latency.p50),
        ratio(platform.latency.p99, echo.latency.p99),
        ratio(platform.serverCpuMsPerUpdate, echo.serverCpuMsPerUpdate),
        platform.offered === undefined ? '(closed loop)' : platform.sustained ? 'yes' : 'no',
      ];
    }),
  });
  const targets = evaluateTargets(runs);
  const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
  const t = targets;
  const targetTable = markdownTable({
    columns: ['target', 'reached', 'verdict'],
    rows: [
      [
        `≥ ${formatNumber(t.throughput.required)} updates/s sustained`,
        [
          t.throughput.saturation !== undefined ? `${formatNumber(t.throughput.saturation)}/s at saturation` : '',
          t.throughput.step
            ? `${formatNumber(t.throughput.step.achievedPerSec)}/s of ${formatNumber(t.throughput.required)}/s offered` +
              ` (${t.throughput.step.sustained ? 'sustained' : `not sustained: ${describeShortfall(t.throughput.step)}`})`
            : '',
        ]
          .filter(Boolean)
          .join('; '),
        met(t.throughput.met),
      ],
      [
        `p99 ≤ ${t.p99.requiredMs} ms at ${formatNumber(t.p99.atRate)}/s`,
        t.p99.step
          ? `p99 ${formatNumber(t.p99.step.latency.p99)} ms${t.p99.step.sustained ? '' : ` (not sustained: ${describeShortfall(t.p99.step)})`}`
          : `no ${t.p99.atRate}/s step in this run`,
        met(t.p99.met),
      ],
      [
        `server CPU per update ≤ ${t.cpu.requiredRatio}× the echo's`,
        t.cpu.ratio !== undefined
          ? `${formatNumber(t.cpu.ratio)}× at ${t.cpu.step}${t.cpu.step === 'saturation' || t.cpu.sustained ? '' : ' (which the platform did not sustain)'}`
          : 'no step with both sides',
        met(t.cpu.met),
      ],
    ],
  });
  const sections = [
    `## Shadow updates: ${settings.devices} devices, platform next to a raw echo through the same broker software`,
    '',
    `Open loop at ${settings.rates.map((r) => `${formatNumber(r)}/s`).join(', ')} (≤ ${settings.maxInflight} per device awaiting a reply), ` +
      `then saturation (closed loop, ${settings.saturationInflight} per device); each step ${formatNumber(settings.warmupMs / 1000)} s warm-up ` +
      `+ ${formatNumber(settings.durationMs / 1000)} s measured (saturation ${formatNumber(settings.saturationMs / 1000)} s), echo first. ` +
      `${settings.generators} load generator process(es). SHADOW_CONCURRENCY ${settings.shadowConcurrency ?? 'default (256)'}.`,
    '',
    ...disturbance(runs, settings),
    stepTable,
    '',
    '- achieved/s: replies received during the window; latencies: PUBLISH (the scheduled time, open loop) → reply;',
    '  server CPU: the echo side is the bare broker + the echo client; the platform side is every app + nats-server +',
    "  postgres (the bench database's backends and the server's shared processes), from the window's start until every",
    '  update was answered, ÷ the replies in that span. server cores: their CPU ÷ the window. shed: updates due while every',
    '  device already had its maximum awaiting a reply (open-loop load the platform could not take).',
    '',
    '### Targets',
    '',
    targetTable,
    '',
    '### Platform ÷ echo (same run)',
    '',
    ratioTable,
    '',
    '### CPU per update by process (ms)',
    '',
    cpuByProcess(runs, idleCores),
    '',
    '### The machine during the windows (cores busy)',
    '',
    machineTable(runs),
  ];
  const hopRuns = runs.filter((r) => r.hops && r.hops.matched > 0);
  if (hopRuns.length) sections.push('', '### Platform round trip by hop (sampled updates, ms)', '', hopTable(hopRuns));
  const generatorLag = runs.filter((r) => r.offered !== undefined).map((r) => r.sendLag.p99);
  if (generatorLag.length)
    sections.push(
      '',
      `Generator send lag behind schedule (p99, open-loop steps, included in the latencies): ` +
        `${generatorLag.map((l) => formatNumber(l)).join(', ')} ms.`,
    );
  const problems = runs.filter(
    (r) =>
      sum(Object.values(r.result.errors)) + r.result.timeouts + r.result.unexpected + r.result.versionAnomalies > 0,
  );
  if (problems.length)
    sections.push(
      '',
      'Errors:',
      ...problems.map(
        (r) =>
          `- ${r.side} ${r.step}: ${JSON.stringify(r.result.errors)}, ${r.result.timeouts} timeouts, ` +
          `${r.result.unexpected} unexpected replies, ${r.result.versionAnomalies} version anomalies, ${r.result.disconnects} disconnects`,
      ),
    );
  return sections.join('\n');
}

function disturbance(runs: readonly StepRun[], settings: ReportSettings): string[] {
  const load = settings.loadAverage
    ? `Load average at the start: ${settings.loadAverage.map((l) => l.toFixed(2)).join(', ')}. `
    : '';
  const disturbed = runs.filter((r) => foreignCores(r) > DISTURBED_CORES);
  if (disturbed.length === 0) return load ? [load, ''] : [];
  return [
    `${load}**Disturbed run**: other processes of the machine kept ${disturbed
      .map((r) => `${formatNumber(foreignCores(r))} cores busy during ${r.side} ${r.step}`)
      .join(
        ', ',
      )} (see _everything else_ below). Those steps measure the contention, not the platform: rerun on a quiet machine.`,
    '',
  ];
}

function describeShortfall(f: StepFigures): string {
  const parts = [`${pct(f.achievedPerSec, f.offered ?? f.achievedPerSec)} achieved`];
  if (f.shed) parts.push(`${f.shed} shed`);
  if (f.timeouts) parts.push(`${f.timeouts} timeouts`);
  if (f.errors) parts.push(`${f.errors} errors`);
  return parts.join(', ');
}

function cpuByProcess(runs: readonly StepRun[], idleCores: Record<string, number>): string {
  const steps = [...new Set(runs.map((r) => r.step))];
  const tables = (['platform', 'echo'] as const).map((side) => {
    const own = runs.filter((r) => r.side === side);
    const groups = [...new Set(own.flatMap((r) => [...r.serverGroups, GROUPS.generator]))].filter((g) =>
      own.some((r) => (r.cpuMs[g] ?? 0) > 0),
    );
    const perUpdate = (r: StepRun | undefined, g: string) =>
      r ? (r.cpuMs[g] ?? 0) / r.result.repliesUntilDrained : null;
    const server = (r: StepRun | undefined) =>
      r ? sum(r.serverGroups.map((g) => r.cpuMs[g] ?? 0)) / r.result.repliesUntilDrained : null;
    const saturation = own.find((r) => r.step === 'saturation');
    const idle = Object.keys(idleCores).length > 0;
    return markdownTable({
      columns: [
        `${side} process`,
        ...steps,
        ...(saturation ? ['cores at saturation', 'share of server'] : []),
        'in kernel',
        ...(idle ? ['cores idle'] : []),
      ],
      rows: [
        ...groups.map((g): Cell[] => {
          const row: Cell[] = [
            g,
            ...steps.map((s) =>
              perUpdate(
                own.find((r) => r.step === s),
                g,
              ),
            ),
          ];
          if (saturation) {
            const serverMs = sum(saturation.serverGroups.map((x) => saturation.cpuMs[x] ?? 0));
            row.push(
              (saturation.cpuMsWindow[g] ?? 0) / saturation.result.windowMs,
              saturation.serverGroups.includes(g) ? pct(saturation.cpuMs[g] ?? 0, serverMs) : '(not server)',
            );
          }
          const cpu = sum(own.map((r) => r.cpuMs[g] ?? 0));
          row.push(cpu > 0 ? pct(sum(own.map((r) => r.systemMs[g] ?? 0)), cpu) : null);
          if (idle) row.push(idleCores[g]);
          return row;
        }),
        [
          '**server total**',
          ...steps.map((s) => server(own.find((r) => r.step === s))),
          ...(saturation
            ? [
                sum(saturation.serverGroups.map((g) => saturation.cpuMsWindow[g] ?? 0)) / saturation.result.windowMs,
                '100 %',
              ]
            : []),
          pct(
            sum(own.flatMap((r) => r.serverGroups.map((g) => r.systemMs[g] ?? 0))),
            sum(own.flatMap((r) => r.serverGroups.map((g) => r.cpuMs[g] ?? 0))),
          ),
          ...(idle ? [sum(own[0]?.serverGroups.map((g) => idleCores[g] ?? 0) ?? [])] : []),
        ],
      ],
    });
  });
  return [
    tables[0],
    '',
    tables[1],
    '',
    'Columns by step: CPU ms per update. _in kernel_: the share of its CPU spent in the kernel over every step (system',
    'calls, and the loopback network stack run inside them). _cores idle_: the same process with every device connected and no load',
    '(timers, keepalives, polling) — at low rates that fixed cost weighs on the per-update figures. nats-server and',
    "`postgres (server)` are shared with whatever else uses them; `postgres (other databases)` is someone else's work",
    'on the same server (not charged to the platform; it shows how busy the machine was).',
  ].join('\n');
}

/** Cores busy during the window that no watched process, the generator, the bench or interrupts account for. */
export function foreignCores(r: StepRun): number {
  const server = sum(r.serverGroups.map((g) => r.cpuMsWindow[g] ?? 0));
  const own = server + (r.cpuMsWindow[GROUPS.generator] ?? 0) + (r.cpuMsWindow[GROUPS.bench] ?? 0);
  return (r.machineMsWindow - own - r.interruptMsWindow) / r.result.windowMs;
}

/** Above this many cores used by others during a window, the step is flagged as disturbed. */
export const DISTURBED_CORES = 0.25;

function machineTable(runs: readonly StepRun[]): string {
  return [
    markdownTable({
      columns: ['step', 'side', 'machine', 'server', 'load generator', 'bench', 'irq + softirq', 'everything else'],
      rows: runs.map((r): Cell[] => {
        const w = r.result.windowMs;
        const server = sum(r.serverGroups.map((g) => r.cpuMsWindow[g] ?? 0));
        const generator = r.cpuMsWindow[GROUPS.generator] ?? 0;
        const bench = r.cpuMsWindow[GROUPS.bench] ?? 0;
        return [
          r.step,
          r.side,
          r.machineMsWindow / w,
          server / w,
          generator / w,
          bench / w,
          r.interruptMsWindow / w,
          foreignCores(r),
        ];
      }),
    }),
    '',
    '_irq + softirq_: accounted to no process; on one machine mostly the loopback network stack, i.e. largely the',
    "run's own traffic. _everything else_: the other side's idle processes and other tenants of the machine (other",
    'test runs, other databases on the same Postgres). Large values there mean the run was disturbed: compare ratios',
    'between steps with little of it.',
  ].join('\n');
}

function hopTable(runs: readonly StepRun[]): string {
  const rows: Cell[][] = [];
  for (const r of runs) {
    const h = r.hops!;
    const hops: [string, LatencySummary][] = [
      ['device → uplink stored (bridge, JetStream)', h.toStream],
      ['uplink stored → change event stored (apps/shadow, Postgres)', h.shadow],
      ['change event stored → reply at device (bus request, bridge, broker)', h.reply],
      ['total', h.total],
    ];
    for (const [hop, s] of hops) rows.push([r.step, hop, s.p50, s.p90, s.p99, s.max]);
  }
  return [
    markdownTable({ columns: ['step', 'hop', 'p50', 'p90', 'p99', 'max'], rows }),
    '',
    `Times are JetStream's stored timestamps and the generator's clock (one machine, one wall clock); ${runs
      .map((r) => `${r.hops!.matched} of ${r.hops!.sampled}`)
      .join(
        ', ',
      )} sampled updates matched. Totals are from the actual PUBLISH, so they can be lower than the open-loop`,
    'latencies above, which count from the scheduled time.',
  ].join('\n');
}

/** `--profile`: where bridge and shadow spent their CPU during the platform's saturation window. */
export function renderProfiles(
  profiles: readonly { app: string; summary: ProfileSummary }[],
  updates: number,
  span: string,
): string {
  const perUpdate = (ms: number) => (ms / updates) * 1000;
  const sections = profiles.map(({ app, summary }) =>
    [
      `#### ${app}: ${formatNumber(summary.busyMs)} ms of busy samples, ${formatNumber(perUpdate(summary.busyMs))} µs per update`,
      '',
      markdownTable({
        columns: ['self time charged to the nearest package or app frame', 'ms', 'µs/update', 'share'],
        rows: summary.byOwner.map((a): Cell[] => [a.area, a.ms, perUpdate(a.ms), pct(a.ms, summary.busyMs)]),
      }),
      '',
      markdownTable({
        columns: ['repository function (inclusive)', 'area', 'ms', 'µs/update', 'share'],
        rows: summary.repoInclusive.map((f): Cell[] => [
          f.fn,
          f.area,
          f.ms,
          perUpdate(f.ms),
          pct(f.ms, summary.busyMs),
        ]),
      }),
      '',
      markdownTable({
        columns: ['function (self time)', 'area', 'ms', 'share'],
        rows: summary.byFunction.map((f): Cell[] => [f.fn, f.area, f.ms, pct(f.ms, summary.busyMs)]),
      }),
    ].join('\n'),
  );
  return [
    '### CPU profiles (`--profile`)',
    '',
    `Samples of ${span}, per update answered in it. First table: self time, where native code and Node's modules`,
    '(socket writes, microtask runs) are charged to the package or app code that called them. Second: time spent',
    'under each function of apps/ and libs/ (after an `await`, a stack starts at the continuation, so a caller that',
    'awaits shows only its own synchronous share). A sample lasts until the next, CPU or not: on a saturated machine',
    'that includes waiting for a core, and sampling slows the apps. Read shares, not speed.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}
