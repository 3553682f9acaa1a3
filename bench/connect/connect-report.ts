import type { ProfileSummary, TimeWindow } from '../lib/cpu-profile';
import { formatNumber, markdownTable, type Cell } from '../lib/report';
import { ratio, summarize, type LatencySummary } from '../lib/stats';

export type Side = 'baseline' | 'platform';

/** One measured storm. */
export interface StormRun {
  side: Side;
  round: number;
  connects: number;
  failures: number;
  failureCauses: Record<string, number>;
  wallMs: number;
  latenciesMs: number[];
  /** CPU ms by process group during the storm. */
  cpuMs: Record<string, number>;
  /** Groups on the server side of this storm (the rest is the load generator or idle). */
  serverGroups: string[];
  /** Platform only: storm end → every connect event recorded by apps/auth (devices shown online). */
  statusLagMs?: number;
  /** Platform only: CPU ms by group from the storm's start until that point. */
  cpuMsUntilSettled?: Record<string, number>;
  /** Platform only: from the storm's start until that point, for slicing CPU profiles. */
  window?: TimeWindow;
}

export interface SideSummary {
  side: Side;
  connects: number;
  failures: number;
  wallMs: number;
  connectsPerSec: number;
  latency: LatencySummary;
  serverCpuMsPerConnect: number;
  clientCpuMsPerConnect: number;
}

const CLIENT = 'bench client';
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/** Several storms of one side pooled: throughput over the summed wall time, percentiles over every connect. */
export function summarizeSide(side: Side, runs: readonly StormRun[]): SideSummary {
  const own = runs.filter((r) => r.side === side);
  const connects = sum(own.map((r) => r.connects));
  const wallMs = sum(own.map((r) => r.wallMs));
  const serverMs = sum(own.map((r) => sum(r.serverGroups.map((g) => r.cpuMs[g] ?? 0))));
  return {
    side,
    connects,
    failures: sum(own.map((r) => r.failures)),
    wallMs,
    connectsPerSec: (connects / wallMs) * 1000,
    latency: summarize(own.flatMap((r) => r.latenciesMs)),
    serverCpuMsPerConnect: serverMs / connects,
    clientCpuMsPerConnect: sum(own.map((r) => r.cpuMs[CLIENT] ?? 0)) / connects,
  };
}

export function renderReport(
  runs: readonly StormRun[],
  settings: { devices: number; concurrency: number; rounds: number; warmup: number },
): string {
  const sides = (['baseline', 'platform'] as const).map((s) => summarizeSide(s, runs));
  const [baseline, platform] = sides;
  const storms = runs.map((r) => ({ label: String(r.round), ...summarizeSide(r.side, [r]) }));
  const pooled = runs.length > 2 ? sides.map((s) => ({ label: 'all', ...s })) : [];
  const stormTable = markdownTable({
    columns: [
      'side',
      'round',
      'connects',
      'failed',
      'wall s',
      'connects/s',
      'p50 ms',
      'p90 ms',
      'p99 ms',
      'max ms',
      'server CPU ms/conn',
      'client CPU ms/conn',
    ],
    rows: [...storms, ...pooled].map((s): Cell[] => [
      s.side,
      s.label,
      s.connects,
      s.failures,
      s.wallMs / 1000,
      s.connectsPerSec,
      s.latency.p50,
      s.latency.p90,
      s.latency.p99,
      s.latency.max,
      s.serverCpuMsPerConnect,
      s.clientCpuMsPerConnect,
    ]),
  });
  const ratioTable = markdownTable({
    columns: ['metric', 'baseline', 'platform', 'platform / baseline'],
    rows: [
      [
        'connects/s',
        baseline.connectsPerSec,
        platform.connectsPerSec,
        ratio(platform.connectsPerSec, baseline.connectsPerSec),
      ],
      ['p50 ms', baseline.latency.p50, platform.latency.p50, ratio(platform.latency.p50, baseline.latency.p50)],
      ['p99 ms', baseline.latency.p99, platform.latency.p99, ratio(platform.latency.p99, baseline.latency.p99)],
      [
        'server CPU ms/connect',
        baseline.serverCpuMsPerConnect,
        platform.serverCpuMsPerConnect,
        ratio(platform.serverCpuMsPerConnect, baseline.serverCpuMsPerConnect),
      ],
    ],
  });
  const rounds = [...new Set(runs.map((r) => r.round))].map((round) => {
    const [b, p] = (['baseline', 'platform'] as const).map((side) =>
      summarizeSide(
        side,
        runs.filter((r) => r.round === round),
      ),
    );
    return { throughput: ratio(p.connectsPerSec, b.connectsPerSec), p99: ratio(p.latency.p99, b.latency.p99) };
  });
  const perRound = (pick: (r: { throughput: number; p99: number }) => number) =>
    rounds.map((r) => formatNumber(pick(r))).join(', ');
  const platformRuns = runs.filter((r) => r.side === 'platform');
  const connects = sum(platformRuns.map((r) => r.connects));
  // Apps that did no work during the storms (shadow, ota...) would only lengthen the table.
  const groups = [...new Set(platformRuns.flatMap((r) => [...r.serverGroups, CLIENT]))].filter((g) =>
    platformRuns.some((r) => (r.cpuMsUntilSettled?.[g] ?? r.cpuMs[g] ?? 0) > 0),
  );
  const cpuTable = markdownTable({
    columns: ['process', 'CPU ms during storms', 'ms/connect during storm', 'ms/connect until status recorded'],
    rows: groups.map((g): Cell[] => [
      g,
      sum(platformRuns.map((r) => r.cpuMs[g] ?? 0)),
      sum(platformRuns.map((r) => r.cpuMs[g] ?? 0)) / connects,
      sum(platformRuns.map((r) => r.cpuMsUntilSettled?.[g] ?? Number.NaN)) / connects,
    ]),
  });
  const lags = platformRuns.map((r) => `${((r.statusLagMs ?? Number.NaN) / 1000).toFixed(1)} s`).join(', ');
  const causes = runs
    .filter((r) => r.failures > 0)
    .map((r) => `${r.side} round ${r.round}: ${JSON.stringify(r.failureCauses)}`);
  return [
    `## Connect storm: ${settings.devices} devices, ${settings.concurrency} CONNECTs in flight, ${settings.rounds} round(s), ${settings.warmup} warm-up connects`,
    '',
    stormTable,
    '',
    '### Platform relative to the bare broker (same run)',
    '',
    ratioTable,
    ...(rounds.length > 1
      ? ['', `Round by round: connects/s ratio ${perRound((r) => r.throughput)}; p99 ratio ${perRound((r) => r.p99)}.`]
      : []),
    '',
    '### Where the platform side spends CPU',
    '',
    'nats-server and postgres are shared services: their figures include whatever else ran on them.',
    '',
    cpuTable,
    '',
    `Online status recorded (apps/auth consumed every connect event) ${lags} after the storm ended.`,
    ...(causes.length ? ['', 'Failures:', ...causes.map((c) => `- ${c}`)] : []),
  ].join('\n');
}

/** `--profile`: where auth and bridge spent their CPU during the platform storms (until status recorded). */
export function renderProfiles(
  profiles: readonly { app: string; summary: ProfileSummary }[],
  connects: number,
): string {
  const sections = profiles.map(({ app, summary }) =>
    [
      `#### ${app}: ${formatNumber(summary.busyMs)} ms of busy samples, ${formatNumber(summary.busyMs / connects)} ms per connect`,
      '',
      markdownTable({
        columns: ['area (self time)', 'ms', 'ms/connect', 'share'],
        rows: summary.byArea.map((a): Cell[] => [
          a.area,
          a.ms,
          a.ms / connects,
          `${((a.ms / summary.busyMs) * 100).toFixed(1)} %`,
        ]),
      }),
      '',
      markdownTable({
        columns: ['function (self time)', 'area', 'ms', 'share'],
        rows: summary.byFunction.map((f): Cell[] => [
          f.fn,
          f.area,
          f.ms,
          `${((f.ms / summary.busyMs) * 100).toFixed(1)} %`,
        ]),
      }),
    ].join('\n'),
  );
  return [
    '### CPU profiles of the platform storms (`--profile`)',
    '',
    'Samples from the start of each platform storm until its status was recorded. A sample lasts until the next,',
    'CPU or not: on a saturated machine that includes waiting for a core, and sampling slows the app. Read shares,',
    'not speed; compare CPU time with the table above.',
    '',
    ...sections.flatMap((s) => [s, '']),
  ].join('\n');
}
