import type { CampaignSelection, CreateCampaignRequest, OtaSignMethod } from '@iot/contracts';

export const MAX_LISTED_DEVICES = 1_000;
export const MAX_VERSIONS = 100;
export const MAX_TIMEOUT_SECONDS = 7 * 24 * 3600;
export const DEFAULT_TIMEOUT_SECONDS = 3_600;
export const MAX_RETRIES = 10;
export const MAX_STAGES = 10;

/** How a campaign rolls out, validated and with defaults applied. */
export interface CampaignSettings {
  name?: string;
  selection: CampaignSelection;
  deviceNames: string[];
  versions: string[];
  dynamic: boolean;
  rolloutRate: number | null;
  timeoutSeconds: number;
  retries: number;
  signMethod: OtaSignMethod;
  stages: number[];
  failureThresholdPercent: number;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; message: string };

const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Checks a create request field by field; the first problem is reported with the field's name. */
export function campaignSettings(r: CreateCampaignRequest): Checked<CampaignSettings> {
  const fail = (message: string): Checked<CampaignSettings> => ({ ok: false, message });
  if (!['all', 'devices', 'versions'].includes(r.selection)) return fail('selection: one of all, devices, versions');
  const deviceNames = [...new Set(r.deviceNames ?? [])];
  const versions = [...new Set(r.versions ?? [])];
  if (r.selection === 'devices' && (deviceNames.length === 0 || deviceNames.length > MAX_LISTED_DEVICES))
    return fail(`deviceNames: 1 to ${MAX_LISTED_DEVICES} names for selection devices`);
  if (r.selection !== 'devices' && deviceNames.length) return fail('deviceNames: only with selection devices');
  if (r.selection === 'versions' && (versions.length === 0 || versions.length > MAX_VERSIONS))
    return fail(`versions: 1 to ${MAX_VERSIONS} versions for selection versions`);
  if (r.selection !== 'versions' && versions.length) return fail('versions: only with selection versions');
  const badString = (s: unknown) => typeof s !== 'string' || s.length === 0 || s.length > 64;
  if (deviceNames.some(badString)) return fail('deviceNames: strings of 1 to 64 characters');
  if (versions.some(badString)) return fail('versions: strings of 1 to 64 characters');
  const dynamic = r.dynamic ?? false;
  if (dynamic && r.selection === 'devices') return fail('dynamic: only with selection all or versions');
  const rolloutRate = r.rolloutRate ?? null;
  if (rolloutRate !== null && !isInt(rolloutRate, 1, 1_000_000))
    return fail('rolloutRate: devices per minute, an integer from 1');
  const timeoutSeconds = r.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!isInt(timeoutSeconds, 1, MAX_TIMEOUT_SECONDS))
    return fail(`timeoutSeconds: an integer from 1 to ${MAX_TIMEOUT_SECONDS}`);
  const retries = r.retries ?? 0;
  if (!isInt(retries, 0, MAX_RETRIES)) return fail(`retries: an integer from 0 to ${MAX_RETRIES}`);
  const signMethod = signMethodOf(r.signMethod ?? 'Md5');
  if (!signMethod) return fail('signMethod: Md5 or SHA256');
  const stages = r.stages ?? [100];
  if (
    !Array.isArray(stages) ||
    stages.length === 0 ||
    stages.length > MAX_STAGES ||
    !stages.every((s, i) => isInt(s, 1, 100) && (i === 0 || s > stages[i - 1])) ||
    stages[stages.length - 1] !== 100
  )
    return fail(`stages: up to ${MAX_STAGES} ascending percentages from 1, the last 100`);
  const failureThresholdPercent = r.failureThresholdPercent ?? 100;
  if (!isInt(failureThresholdPercent, 0, 100)) return fail('failureThresholdPercent: an integer from 0 to 100');
  if (r.name !== undefined && (typeof r.name !== 'string' || r.name.length > 128))
    return fail('name: at most 128 characters');
  return {
    ok: true,
    value: {
      name: r.name,
      selection: r.selection,
      deviceNames,
      versions,
      dynamic,
      rolloutRate,
      timeoutSeconds,
      retries,
      signMethod,
      stages,
      failureThresholdPercent,
    },
  };
}

/** Sign methods are matched case-insensitively (protocol.md §6.2) and sent in the spec's spelling. */
export function signMethodOf(value: string): OtaSignMethod | undefined {
  const v = value.toLowerCase();
  return v === 'md5' ? 'Md5' : v === 'sha256' ? 'SHA256' : undefined;
}

/** Devices a stage lets start: its percentage of the campaign's devices, rounded up, at least one. */
export function stageQuota(percent: number, total: number): number {
  return total === 0 ? 0 : Math.max(1, Math.ceil((percent * total) / 100));
}

export interface RolloutState {
  rolloutRate: number | null;
  stages: number[];
  stageIndex: number;
}

export interface StartCounts {
  total: number;
  /** Jobs whose device has received the upgrade message at least once. */
  started: number;
  /** Of those, started in the last 60 s. */
  startedLastMinute: number;
}

/** How many more devices may start now: what the stage has left and what the rate allows in this minute. */
export function startBudget(c: RolloutState, n: StartCounts): number {
  const stage = Math.max(0, stageQuota(c.stages[c.stageIndex], n.total) - n.started);
  const rate = c.rolloutRate === null ? Infinity : Math.max(0, c.rolloutRate - n.startedLastMinute);
  return Math.min(stage, rate);
}

export interface CampaignCounts extends StartCounts {
  pending: number;
  inProgress: number;
  succeeded: number;
  failed: number;
  timedOut: number;
  /** Started jobs still PENDING or IN_PROGRESS. */
  startedActive: number;
  /** PENDING jobs whose device has not started. */
  unstarted: number;
}

export interface CampaignRules extends RolloutState {
  dynamic: boolean;
  /** Every device matching at the start has its job. */
  populated: boolean;
  failureThresholdPercent: number;
}

export type CampaignStep =
  { kind: 'none' } | { kind: 'abort'; reason: string } | { kind: 'advance'; stageIndex: number } | { kind: 'complete' };

/** failed + timed out in percent of settled (succeeded + failed + timed out), rounded to 0.1. */
export function failureRatePercent(n: Pick<CampaignCounts, 'succeeded' | 'failed' | 'timedOut'>): number {
  const settled = n.succeeded + n.failed + n.timedOut;
  return settled === 0 ? 0 : Math.round(((n.failed + n.timedOut) * 1000) / settled) / 10;
}

/**
 * What the campaign does next. Abort: once as many devices have settled as the first stage holds, the failure
 * rate is checked continuously, and past the threshold the campaign stops. Complete: a static campaign whose
 * jobs are all finished. Advance: the stage's devices have all started and settled (or nobody is left to start).
 */
export function evaluateCampaign(c: CampaignRules, n: CampaignCounts): CampaignStep {
  const settled = n.succeeded + n.failed + n.timedOut;
  const failing = n.failed + n.timedOut;
  const sample = Math.max(1, stageQuota(c.stages[0], n.total));
  if (settled >= sample && failing * 100 > c.failureThresholdPercent * settled) {
    return {
      kind: 'abort',
      reason:
        `failure rate ${failureRatePercent(n)}% above the threshold of ${c.failureThresholdPercent}% ` +
        `(${failing} of ${settled} devices failed or timed out)`,
    };
  }
  if (!c.populated) return { kind: 'none' };
  if (!c.dynamic && n.pending + n.inProgress === 0) return { kind: 'complete' };
  const last = c.stageIndex >= c.stages.length - 1;
  const quota = stageQuota(c.stages[c.stageIndex], n.total);
  if (!last && n.total > 0 && (n.started >= quota || n.unstarted === 0) && n.startedActive === 0)
    return { kind: 'advance', stageIndex: c.stageIndex + 1 };
  return { kind: 'none' };
}

/** Whether a dynamic campaign takes a device that reports `version` and has no job in it yet. */
export function joinsDynamically(
  c: { dynamic: boolean; selection: string; versions: string[]; targetVersion: string },
  version: string,
): boolean {
  if (!c.dynamic || version === c.targetVersion) return false;
  return c.selection === 'all' || (c.selection === 'versions' && c.versions.includes(version));
}
