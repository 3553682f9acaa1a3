import { describe, expect, it } from 'vitest';
import type { OtaJobStatus } from '@iot/contracts';
import {
  onConnection,
  onProgress,
  onTimeout,
  onVersion,
  type JobDecision,
  type JobFacts,
  type StepReport,
} from './job-state';

const job = (status: OtaJobStatus, attempt = 1, started = true, notified = true): JobFacts => ({
  status,
  attempt,
  started,
  notified,
});
const queued = job('PENDING', 0, false, false);
const pushed = job('PENDING', 1, true, true);
const between = job('PENDING', 1, true, false); // started, then retrying or re-sent after a reconnect
const running = job('IN_PROGRESS', 1);
const pct = (percent: number): StepReport => ({ kind: 'progress', percent });
const err = (code: number, label: string): StepReport => ({ kind: 'error', code, label });
const none: JobDecision = { kind: 'none' };

describe('onProgress', () => {
  it.each<[string, JobFacts, StepReport, string | undefined, number, JobDecision]>([
    ['first step after the upgrade message', pushed, pct(10), undefined, 0, { kind: 'progress', percent: 10 }],
    ['a later step', running, pct(100), undefined, 0, { kind: 'progress', percent: 100 }],
    ['step 0', pushed, pct(0), undefined, 0, { kind: 'progress', percent: 0 }],
    [
      '−2 without retries',
      running,
      err(-2, 'download failed'),
      'timeout',
      0,
      { kind: 'finish', status: 'FAILED', errorCode: -2, reason: '-2 download failed: timeout' },
    ],
    [
      '−3 before any progress',
      pushed,
      err(-3, 'verification failed'),
      undefined,
      0,
      { kind: 'finish', status: 'FAILED', errorCode: -3, reason: '-3 verification failed' },
    ],
    [
      '−1 with a retry left',
      job('IN_PROGRESS', 1),
      err(-1, 'update failed'),
      undefined,
      1,
      { kind: 'retry', errorCode: -1, reason: '-1 update failed' },
    ],
    [
      '−4 on the last retry',
      job('IN_PROGRESS', 2),
      err(-4, 'installation failed'),
      undefined,
      1,
      { kind: 'finish', status: 'FAILED', errorCode: -4, reason: '-4 installation failed' },
    ],
    ['a job not yet started', queued, pct(10), undefined, 0, none],
    ['between attempts (stale progress)', between, pct(50), undefined, 0, none],
    ['a finished job', job('SUCCEEDED'), pct(50), undefined, 0, none],
    ['a cancelled job', job('CANCELLED'), err(-1, 'update failed'), undefined, 3, none],
  ])('%s', (_, facts, report, desc, retries, expected) => {
    expect(onProgress(facts, report, desc, retries)).toEqual(expected);
  });
});

describe('onVersion (target 2.0.0)', () => {
  it.each<[string, JobFacts, string, number, JobDecision]>([
    ['the target after the update', running, '2.0.0', 0, { kind: 'succeed' }],
    ['the target before any message (updated elsewhere)', queued, '2.0.0', 0, { kind: 'succeed' }],
    ['an offline device coming back, not started', queued, '1.0.0', 0, { kind: 'ready' }],
    ['a started device coming back before progress', pushed, '1.0.0', 0, { kind: 'push' }],
    ['between attempts', between, '1.0.0', 0, { kind: 'push' }],
    [
      'the old version after progress, no retry',
      running,
      '1.0.0',
      0,
      { kind: 'finish', status: 'FAILED', errorCode: null, reason: 'device reported version 1.0.0 instead of 2.0.0' },
    ],
    [
      'the old version after progress, a retry left',
      running,
      '1.0.0',
      2,
      { kind: 'retry', errorCode: null, reason: 'device reported version 1.0.0 instead of 2.0.0' },
    ],
    ['a finished job', job('FAILED'), '2.0.0', 0, none],
    ['a cancelled job', job('CANCELLED'), '1.0.0', 0, none],
  ])('%s', (_, facts, version, retries, expected) => {
    expect(onVersion(facts, version, '2.0.0', retries)).toEqual(expected);
  });
});

describe('onConnection', () => {
  it.each<[string, JobFacts, JobDecision]>([
    ['not started', queued, { kind: 'ready' }],
    ['started, message still to deliver', between, { kind: 'push' }],
    ['message delivered already', pushed, none],
    ['in progress', running, none],
    ['finished', job('TIMED_OUT'), none],
  ])('%s', (_, facts, expected) => {
    expect(onConnection(facts)).toEqual(expected);
  });
});

describe('onTimeout', () => {
  const reason = 'target version not reported within 30 s';
  it.each<[string, JobFacts, number, JobDecision]>([
    ['delivered, no progress', pushed, 0, { kind: 'finish', status: 'TIMED_OUT', errorCode: null, reason }],
    ['in progress, no retry', running, 0, { kind: 'finish', status: 'TIMED_OUT', errorCode: null, reason }],
    ['in progress, a retry left', running, 1, { kind: 'retry', errorCode: null, reason }],
    ['never delivered (offline)', queued, 0, none],
    ['finished', job('SUCCEEDED'), 0, none],
  ])('%s', (_, facts, retries, expected) => {
    expect(onTimeout(facts, 30, retries)).toEqual(expected);
  });
});
