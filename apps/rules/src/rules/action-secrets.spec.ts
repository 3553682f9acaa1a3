import { describe, expect, it } from 'vitest';
import type { RuleAction } from '@iot/contracts';
import { REDACTED, redactAction, redactUrl, restoreSecrets } from './action-secrets';

const http: RuleAction = {
  type: 'http',
  url: 'https://ops:hunter2@hooks.example.com/iot?x=1',
  headers: { Authorization: 'Bearer s3cret', 'Content-Type': 'application/json' },
};
const pg: RuleAction = {
  type: 'postgres',
  table: 't',
  columns: { a: 'a' },
  databaseUrl: 'postgresql://app:pw@db:5432/x',
};

describe('redactUrl', () => {
  it.each([
    ['https://ops:hunter2@h.example/p', `https://ops:${REDACTED}@h.example/p`],
    ['postgresql://app:pw@db:5432/x', `postgresql://app:${REDACTED}@db:5432/x`],
    ['postgresql://db/x?user=app&password=pw', `postgresql://db/x?user=app&password=${REDACTED}`],
    ['https://h.example/p?token=1', 'https://h.example/p?token=1'],
    ['postgresql://app@db/x', 'postgresql://app@db/x'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, expected) => expect(redactUrl(url)).toBe(expected));
});

describe('redactAction', () => {
  it('hides every header value and URL passwords; other actions as they are', () => {
    expect(redactAction(http)).toEqual({
      type: 'http',
      url: `https://ops:${REDACTED}@hooks.example.com/iot?x=1`,
      headers: { Authorization: REDACTED, 'Content-Type': REDACTED },
    });
    expect(redactAction(pg)).toMatchObject({ databaseUrl: `postgresql://app:${REDACTED}@db:5432/x` });
    const republish: RuleAction = { type: 'republish', topic: '/a/b' };
    expect(redactAction(republish)).toBe(republish);
    expect(redactAction(null)).toBeNull();
  });
});

describe('restoreSecrets', () => {
  it('a redacted view sent back unchanged gives back the stored action', () => {
    expect(restoreSecrets(redactAction(http), [pg, http])).toEqual({ ok: true, action: http });
    expect(restoreSecrets(redactAction(pg), [http, pg])).toEqual({ ok: true, action: pg });
  });

  it('keeps new values, restores only the redacted ones', () => {
    const edited = { ...redactAction(http), headers: { Authorization: 'Bearer new', 'Content-Type': REDACTED } };
    expect(restoreSecrets(edited, [http])).toEqual({
      ok: true,
      action: { ...http, headers: { Authorization: 'Bearer new', 'Content-Type': 'application/json' } },
    });
  });

  it.each([
    ['no stored action', { ...redactAction(http) }, [] as RuleAction[], /http action/],
    ['another URL', { ...redactAction(http), url: 'https://other.example/' }, [http], /http action/],
    [
      'a header the stored action lacks',
      { type: 'http', url: 'https://ops:hunter2@hooks.example.com/iot?x=1', headers: { 'X-New': REDACTED } },
      [http],
      /header X-New/,
    ],
    ['another database', { ...pg, databaseUrl: `postgresql://app:${REDACTED}@other/x` }, [pg], /password of/],
  ] as const)('refuses a redacted value with nothing to take it from: %s', (_, action, stored, problem) => {
    const result = restoreSecrets(action, stored);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(problem);
  });

  it('leaves actions without redacted values alone', () => {
    expect(restoreSecrets(http, [])).toEqual({ ok: true, action: http });
  });
});
