import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (written by `node --cpu-prof`) that a summary needs. */
interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
    children?: number[];
  }[];
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
  /**
   * Self time charged to the nearest caller that is a package or repository folder: a socket write
   * (`writev`, native) made by the NATS client counts for @nats-io/…, one made by pg for pg. GC and frames
   * with no such caller keep their own area.
   */
  byOwner: { area: string; ms: number }[];
  /** Inclusive time of the repository's own functions (apps/…, libs/…): the time under each, callees included. */
  repoInclusive: { fn: string; area: string; ms: number }[];
}

const isRepoArea = (area: string) => area.startsWith('apps/') || area.startsWith('libs/');

const frameName = (frame: { functionName: string; url: string; lineNumber: number }) => {
  const file = frame.url.split('/').slice(-1)[0];
  return `${frame.functionName || '(anonymous)'}${file ? ` ${file}:${frame.lineNumber + 1}` : ''}`;
};

/** Areas that do work on someone else's behalf: Node's own modules and native code. */
const delegated = (area: string) => area.startsWith('node:') || area === 'native (program)';

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
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const owners = new Map<number, string>();
  const ownerOf = (nodeId: number): string => {
    const known = owners.get(nodeId);
    if (known !== undefined) return known;
    const frame = frames.get(nodeId)!;
    const area = areaOf(frame.functionName, frame.url);
    let owner = area;
    if (delegated(area)) {
      for (let at = parents.get(nodeId); at !== undefined; at = parents.get(at)) {
        const f = frames.get(at)!;
        const a = areaOf(f.functionName, f.url);
        if (!delegated(a) && a !== 'idle' && a !== 'GC') {
          owner = a;
          break;
        }
      }
    }
    owners.set(nodeId, owner);
    return owner;
  };
  const repoFrames = new Map<number, string[]>();
  const repoArea = new Map<string, string>();
  /** The distinct repository functions on the stack of a node (recursion counted once). */
  const repoStack = (nodeId: number): string[] => {
    const known = repoFrames.get(nodeId);
    if (known) return known;
    const frame = frames.get(nodeId)!;
    const parent = parents.get(nodeId);
    const above = parent === undefined ? [] : repoStack(parent);
    const area = areaOf(frame.functionName, frame.url);
    const name = isRepoArea(area) ? frameName(frame) : undefined;
    if (name) repoArea.set(name, area);
    const stack = name && !above.includes(name) ? [...above, name] : above;
    repoFrames.set(nodeId, stack);
    return stack;
  };
  const inclusive = new Map<string, number>();
  const byArea = new Map<string, number>();
  const byOwner = new Map<string, number>();
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
    const owner = ownerOf(nodeId);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + delta);
    for (const name of repoStack(nodeId)) inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    const fn = frameName(frame);
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
    repoInclusive: [...inclusive]
      .map(([fn, us]) => ({ fn, area: repoArea.get(fn) ?? '', ms: ms(us) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
    byOwner: [...byOwner]
      .map(([area, us]) => ({ area, ms: ms(us) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
    byFunction: [...byFunction]
      .map(([fn, e]) => ({ fn, area: e.area, ms: ms(e.us) }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
  };
}
