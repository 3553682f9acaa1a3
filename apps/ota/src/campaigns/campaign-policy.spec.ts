import { describe, expect, it } from 'vitest';
import type { CreateCampaignRequest } from '@iot/contracts';
import {
  campaignSettings,
  evaluateCampaign,
  failureRatePercent,
  joinsDynamically,
  signMethodOf,
  stageQuota,
  startBudget,
  type CampaignCounts,
  type CampaignRules,
  type CampaignStep,
} from './campaign-policy';

describe('campaignSettings', () => {
  const base: CreateCampaignRequest = { firmwareId: 'fw_1', selection: 'all' };

  it('applies the defaults', () => {
    expect(campaignSettings(base)).toEqual({
      ok: true,
      value: {
        name: undefined,
        selection: 'all',
        deviceNames: [],
        versions: [],
        dynamic: false,
        rolloutRate: null,
        timeoutSeconds: 3600,
        retries: 0,
        signMethod: 'Md5',
        stages: [100],
        failureThresholdPercent: 100,
      },
    });
  });

  it('keeps what is given, de-duplicates lists, spells the sign method as the spec does', () => {
    const r = campaignSettings({
      ...base,
      selection: 'versions',
      versions: ['1.0', '1.1', '1.0'],
      dynamic: true,
      rolloutRate: 10,
      timeoutSeconds: 5,
      retries: 2,
      signMethod: 'sha256' as 'SHA256',
      stages: [1, 10, 100],
      failureThresholdPercent: 20,
    });
    expect(r).toMatchObject({
      ok: true,
      value: { versions: ['1.0', '1.1'], signMethod: 'SHA256', stages: [1, 10, 100], rolloutRate: 10 },
    });
  });

  it.each<[string, Partial<CreateCampaignRequest>, string]>([
    ['unknown selection', { selection: 'some' as 'all' }, 'selection'],
    ['devices without names', { selection: 'devices' }, 'deviceNames'],
    [
      'too many names',
      { selection: 'devices', deviceNames: Array.from({ length: 1001 }, (_, i) => `d${i}`) },
      'deviceNames',
    ],
    ['names with selection all', { deviceNames: ['a'] }, 'deviceNames'],
    ['versions without versions', { selection: 'versions', versions: [] }, 'versions'],
    ['versions with selection all', { versions: ['1.0'] }, 'versions'],
    ['an empty name', { selection: 'devices', deviceNames: [''] }, 'deviceNames'],
    ['an empty version', { selection: 'versions', versions: [''] }, 'versions'],
    ['dynamic list', { selection: 'devices', deviceNames: ['dev1'], dynamic: true }, 'dynamic'],
    ['rate 0', { rolloutRate: 0 }, 'rolloutRate'],
    ['fractional rate', { rolloutRate: 1.5 }, 'rolloutRate'],
    ['timeout 0', { timeoutSeconds: 0 }, 'timeoutSeconds'],
    ['timeout past a week', { timeoutSeconds: 7 * 24 * 3600 + 1 }, 'timeoutSeconds'],
    ['negative retries', { retries: -1 }, 'retries'],
    ['too many retries', { retries: 11 }, 'retries'],
    ['unknown sign method', { signMethod: 'sha1' as 'Md5' }, 'signMethod'],
    ['stages not ending at 100', { stages: [10, 50] }, 'stages'],
    ['stages not ascending', { stages: [10, 5, 100] }, 'stages'],
    ['a stage of 0', { stages: [0, 100] }, 'stages'],
    ['no stages', { stages: [] }, 'stages'],
    ['threshold over 100', { failureThresholdPercent: 101 }, 'failureThresholdPercent'],
    ['a long name', { name: 'x'.repeat(129) }, 'name'],
  ])('refuses %s', (_, change, field) => {
    const r = campaignSettings({ ...base, ...change });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message.startsWith(`${field}:`)).toBe(true);
  });
});

describe('signMethodOf', () => {
  it.each([
    ['Md5', 'Md5'],
    ['MD5', 'Md5'],
    ['md5', 'Md5'],
    ['SHA256', 'SHA256'],
    ['sha256', 'SHA256'],
    ['Sha256', 'SHA256'],
    ['sha1', undefined],
  ])('%s → %s', (input, expected) => expect(signMethodOf(input)).toBe(expected));
});

describe('stageQuota', () => {
  it.each([
    [1, 1000, 10],
    [10, 1000, 100],
    [100, 1000, 1000],
    [1, 10, 1],
    [25, 4, 1],
    [50, 4, 2],
    [33, 10, 4],
    [1, 0, 0],
  ])('%i percent of %i → %i', (percent, total, quota) => expect(stageQuota(percent, total)).toBe(quota));
});

describe('startBudget', () => {
  it.each<[string, number | null, number[], number, number, number, number, number]>([
    // label, rate, stages, stageIndex, total, started, startedLastMinute, budget
    ['unlimited, one stage', null, [100], 0, 10, 0, 0, 10],
    ['unlimited, some started', null, [100], 0, 10, 4, 4, 6],
    ['the rate caps', 3, [100], 0, 10, 0, 0, 3],
    ['the rate counts the last minute only', 3, [100], 0, 10, 5, 2, 1],
    ['the rate is used up', 3, [100], 0, 10, 5, 3, 0],
    ['the first stage caps', null, [10, 100], 0, 100, 0, 0, 10],
    ['the first stage is full', null, [10, 100], 0, 100, 10, 0, 0],
    ['the second stage opens', null, [10, 100], 1, 100, 10, 0, 90],
    ['stage and rate: the smaller', 5, [50, 100], 0, 100, 0, 0, 5],
    ['no devices', null, [100], 0, 0, 0, 0, 0],
  ])('%s', (_, rolloutRate, stages, stageIndex, total, started, startedLastMinute, budget) => {
    expect(startBudget({ rolloutRate, stages, stageIndex }, { total, started, startedLastMinute })).toBe(budget);
  });
});

describe('evaluateCampaign', () => {
  const rules = (over: Partial<CampaignRules> = {}): CampaignRules => ({
    dynamic: false,
    populated: true,
    rolloutRate: null,
    stages: [100],
    stageIndex: 0,
    failureThresholdPercent: 100,
    ...over,
  });
  const counts = (over: Partial<CampaignCounts> = {}): CampaignCounts => {
    const c = {
      total: 10,
      pending: 0,
      inProgress: 0,
      succeeded: 0,
      failed: 0,
      timedOut: 0,
      started: 0,
      startedLastMinute: 0,
      startedActive: 0,
      unstarted: 0,
      ...over,
    };
    return c;
  };
  const none: CampaignStep = { kind: 'none' };

  it.each<[string, CampaignRules, CampaignCounts, CampaignStep]>([
    ['static, all done', rules(), counts({ succeeded: 9, failed: 1, started: 10 }), { kind: 'complete' }],
    ['static, one still pending', rules(), counts({ succeeded: 9, pending: 1, unstarted: 1, started: 9 }), none],
    ['static, still populating', rules({ populated: false }), counts({ total: 0 }), none],
    ['dynamic never completes', rules({ dynamic: true }), counts({ succeeded: 10, started: 10 }), none],
    ['static with no device completes', rules(), counts({ total: 0 }), { kind: 'complete' }],
    [
      'stage 1 settled → stage 2',
      rules({ stages: [10, 50, 100] }),
      counts({ succeeded: 1, pending: 9, unstarted: 9, started: 1 }),
      { kind: 'advance', stageIndex: 1 },
    ],
    [
      'stage 1 device still upgrading',
      rules({ stages: [10, 50, 100] }),
      counts({ inProgress: 1, pending: 9, unstarted: 9, started: 1, startedActive: 1 }),
      none,
    ],
    [
      'stage 1 not full yet (devices offline)',
      rules({ stages: [50, 100] }),
      counts({ succeeded: 2, pending: 8, unstarted: 8, started: 2 }),
      none,
    ],
    [
      'stage 1 not full but nobody left to start',
      rules({ stages: [50, 100], dynamic: true }),
      counts({ succeeded: 2, started: 2 }),
      { kind: 'advance', stageIndex: 1 },
    ],
    [
      'the last stage does not advance',
      rules({ stages: [10, 100], stageIndex: 1, dynamic: true }),
      counts({ succeeded: 10, started: 10 }),
      none,
    ],
    [
      'dynamic with no device yet stays in stage 1',
      rules({ stages: [10, 100], dynamic: true }),
      counts({ total: 0 }),
      none,
    ],
    [
      'canary failed past the threshold',
      rules({ stages: [25, 100], failureThresholdPercent: 40 }),
      counts({ total: 4, failed: 1, pending: 3, unstarted: 3, started: 1 }),
      { kind: 'abort', reason: 'failure rate 100% above the threshold of 40% (1 of 1 devices failed or timed out)' },
    ],
    [
      'timeouts count as failures',
      rules({ stages: [10, 100], failureThresholdPercent: 20 }),
      counts({ total: 20, succeeded: 1, timedOut: 1, pending: 18, unstarted: 18, started: 2 }),
      { kind: 'abort', reason: 'failure rate 50% above the threshold of 20% (1 of 2 devices failed or timed out)' },
    ],
    [
      'a failure before the sample is complete',
      rules({ stages: [20, 100], failureThresholdPercent: 10 }),
      counts({ failed: 1, inProgress: 1, pending: 8, unstarted: 8, started: 2, startedActive: 1 }),
      none,
    ],
    [
      'at the threshold is not past it',
      rules({ stages: [20, 100], failureThresholdPercent: 50 }),
      counts({ failed: 1, succeeded: 1, pending: 8, unstarted: 8, started: 2 }),
      { kind: 'advance', stageIndex: 1 },
    ],
    ['threshold 100 never aborts', rules(), counts({ failed: 10, started: 10 }), { kind: 'complete' }],
    [
      'threshold 0 aborts at the first failure',
      rules({ failureThresholdPercent: 0, stages: [10, 100] }),
      counts({ failed: 1, pending: 9, unstarted: 9, started: 1 }),
      { kind: 'abort', reason: 'failure rate 100% above the threshold of 0% (1 of 1 devices failed or timed out)' },
    ],
  ])('%s', (_, c, n, expected) => {
    expect(evaluateCampaign(c, n)).toEqual(expected);
  });
});

describe('failureRatePercent', () => {
  it.each([
    [0, 0, 0, 0],
    [1, 0, 0, 0],
    [2, 1, 0, 33.3],
    [0, 1, 1, 100],
    [3, 0, 1, 25],
  ])('%i succeeded, %i failed, %i timed out → %d percent', (succeeded, failed, timedOut, rate) =>
    expect(failureRatePercent({ succeeded, failed, timedOut })).toBe(rate),
  );
});

describe('joinsDynamically (target 2.0)', () => {
  const c = (selection: 'all' | 'versions' | 'devices', dynamic = true) => ({
    dynamic,
    selection,
    versions: ['1.0', '1.1'],
    targetVersion: '2.0',
  });
  it.each<[string, ReturnType<typeof c>, string, boolean]>([
    ['all, an old version', c('all'), '0.9', true],
    ['all, the target', c('all'), '2.0', false],
    ['versions, a listed one', c('versions'), '1.1', true],
    ['versions, another one', c('versions'), '0.9', false],
    ['a static campaign', c('all', false), '0.9', false],
    ['a device list', c('devices', false), '1.0', false],
  ])('%s', (_, campaign, version, expected) => expect(joinsDynamically(campaign, version)).toBe(expected));
});
