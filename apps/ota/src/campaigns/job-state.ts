import type { OtaJobStatus } from '@iot/contracts';

/** What the rules need to know of one device's job. */
export interface JobFacts {
  status: OtaJobStatus;
  /** Attempts started so far. */
  attempt: number;
  /** The device has received an upgrade message at least once (counts against rate and stage). */
  started: boolean;
  /** The current attempt's upgrade message reached the device. */
  notified: boolean;
}

/** A progress step as the device reported it (protocol.md §6.2). */
export type StepReport = { kind: 'progress'; percent: number } | { kind: 'error'; code: number; label: string };

export type JobDecision =
  /** Nothing changes. */
  | { kind: 'none' }
  /** → IN_PROGRESS with this percentage. */
  | { kind: 'progress'; percent: number }
  /** → SUCCEEDED: the device runs the target version. */
  | { kind: 'succeed' }
  /** The attempt ended badly and retries remain: → PENDING, and the upgrade message goes out again. */
  | { kind: 'retry'; errorCode: number | null; reason: string }
  /** The attempt ended badly and no retry remains. */
  | { kind: 'finish'; status: 'FAILED' | 'TIMED_OUT'; errorCode: number | null; reason: string }
  /** Send the upgrade message (again): the device has started already, so no rollout budget is needed. */
  | { kind: 'push' }
  /** The device is reachable but has not started: the scheduler starts it when rate and stage allow. */
  | { kind: 'ready' };

export const ACTIVE_STATUSES: readonly OtaJobStatus[] = ['PENDING', 'IN_PROGRESS'];
const isActive = (job: JobFacts) => ACTIVE_STATUSES.includes(job.status);

/** Step −1…−4 (protocol.md §6.2; −4 is "write to flash" in §5, "installation" in §9.10). */
export const STEP_ERRORS: Readonly<Record<number, string>> = {
  [-1]: 'update failed',
  [-2]: 'download failed',
  [-3]: 'verification failed',
  [-4]: 'installation failed',
};

const NONE: JobDecision = { kind: 'none' };

/** Ends the current attempt: another one when `retries` allow, else the job's final status. */
function endAttempt(
  job: JobFacts,
  retries: number,
  status: 'FAILED' | 'TIMED_OUT',
  errorCode: number | null,
  reason: string,
): JobDecision {
  return job.attempt < 1 + retries
    ? { kind: 'retry', errorCode, reason }
    : { kind: 'finish', status, errorCode, reason };
}

/**
 * `/ota/device/progress`: 0–100 moves the job to IN_PROGRESS, −1…−4 ends the attempt. Progress of a job whose
 * current attempt has not reached the device is stale (an earlier attempt's) and ignored.
 */
export function onProgress(job: JobFacts, report: StepReport, desc: string | undefined, retries: number): JobDecision {
  if (!isActive(job) || !job.notified) return NONE;
  if (report.kind === 'progress') return { kind: 'progress', percent: report.percent };
  const reason = `${report.code} ${report.label}${desc ? `: ${desc}` : ''}`;
  return endAttempt(job, retries, 'FAILED', report.code, reason);
}

/**
 * `/ota/device/inform` (or request): the target version is success, whatever the job's state. Another
 * version after progress means the update did not take (the device restarted on its old firmware); before
 * any progress it is a device coming back, which gets the upgrade message again (protocol.md §6.3).
 */
export function onVersion(job: JobFacts, version: string, targetVersion: string, retries: number): JobDecision {
  if (!isActive(job)) return NONE;
  if (version === targetVersion) return { kind: 'succeed' };
  if (job.status === 'IN_PROGRESS')
    return endAttempt(job, retries, 'FAILED', null, `device reported version ${version} instead of ${targetVersion}`);
  return job.started ? { kind: 'push' } : { kind: 'ready' };
}

/** The device connected or subscribed: it can take an upgrade message it has not received yet. */
export function onConnection(job: JobFacts): JobDecision {
  if (job.status !== 'PENDING' || job.notified) return NONE;
  return job.started ? { kind: 'push' } : { kind: 'ready' };
}

/** The per-device deadline passed without the target version. */
export function onTimeout(job: JobFacts, timeoutSeconds: number, retries: number): JobDecision {
  if (!isActive(job) || !job.notified) return NONE;
  return endAttempt(job, retries, 'TIMED_OUT', null, `target version not reported within ${timeoutSeconds} s`);
}
