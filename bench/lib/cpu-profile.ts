import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) that a summary needs. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A span of CLOCK_MONOTONIC in µs: the clock of V8's samples and of `process.hrtime`, in any process. */
export interface TimeWindow {
  startUs: number;
  endUs: number;
}

export interface ProfileSummary {
  /** Sampled CPU time inside the windows, idle excluded. */
  busyMs: number;
  /** Self time by package (node_modules), Node core module, repository folder (apps/x, libs/y), GC or native. */
  byArea: { area: string; ms: number }[];
  /** Self time by function. */
  byFunction: { fn: string; area: string; ms: number }[];
}

export const monotonicNowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** Where a frame's code lives, coarsely: what a reader can act on. */
export function areaOf(functionName: string, url: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'GC';
    if (functionName === '(idle)') return 'idle';
    return 'native (program)';
  }
  if (url.startsWith('node:')) return `node:${url.replace(/^node:(internal\/(deps\/)?)?/, '').split('/')[0]}`;
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const repo = /\/((?:apps|libs|scripts|bench)\/[^/]+)\//.exec(url);
  return repo ? repo[1] : url;
}

/** Self time per area and per function of the samples inside `windows` (every sample when none given). */
export function summarizeCpuProfile(path: string, windows: readonly TimeWindow[] = [], top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, { area: string; us: number }>();
  let busyUs = 0;
  let at = profile.startTime;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (windows.length && !windows.some((w) => at >= w.startUs && at <= w.endUs)) return;
    const frame = frames.get(nodeId);
    if (!frame) return;
    const area = areaOf(frame.functionName, frame.url);
    if (area === 'idle') return;
    busyUs += delta;
    byArea.set(area, (byArea.get(area) ?? 0) + delta);
    const file = frame.url.split('/').slice(-1)[0];
    const fn = `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
    const entry = byFunction.get(fn) ?? { area, us: 0 };
    entry.us += delta;
    byFunction.set(fn, entry);
  });
  const ms = (us: number) => us / 1000;
  return {
    busyMs: ms(busyUs),
    byArea: [...byArea]
      .map(([area, us]) => ({ area, ms: ms(us) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
    byFunction: [...byFunction]
      .map(([fn, e]) => ({ fn, area: e.area, ms: ms(e.us) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
  };
}
