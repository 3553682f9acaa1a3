import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode, type RuleAction, type RuleDefinition } from '@iot/contracts';
import { natsSubjectProblem, validateRule } from './rule-definition';

const SQL = 'SELECT temperature AS t, deviceName() AS device FROM "/pk1/+/user/update" WHERE temperature > 38';

function rule(actions: unknown[], extra: Partial<RuleDefinition> = {}): RuleDefinition {
  return { name: 'overheating', sql: SQL, actions: actions as RuleAction[], ...extra };
}

function problem(definition: RuleDefinition): DomainError {
  try {
    validateRule(definition);
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('accepted');
}

describe('rule definitions', () => {
  it('accepts a rule with one action of each kind and an error action, and compiles its SQL', () => {
    const actions: RuleAction[] = [
      { type: 'republish', topic: '/pk1/${device}/user/get', qos: 0 },
      { type: 'nats', subject: 'alerts.${device}', jetstream: true },
      { type: 'http', url: 'https://example.com/hook', headers: { Authorization: 'Bearer x' }, timeoutMs: 2000 },
      { type: 'postgres', table: 'telemetry.readings', columns: { device: 'device', t: 't' } },
    ];
    const { definition, sql } = validateRule(rule(actions, { errorAction: { type: 'nats', subject: 'rule-errors' } }));
    expect(definition).toEqual({
      name: 'overheating',
      description: '',
      sql: SQL,
      actions,
      errorAction: { type: 'nats', subject: 'rule-errors' },
    });
    expect(sql.topicFilter).toBe('/pk1/+/user/update');
  });

  it('reports a SQL error with its line and column', () => {
    const error = problem(rule([], { sql: 'SELECT a\nFORM "/x"' }));
    expect(error.code).toBe(ErrorCode.RULE_INVALID);
    expect(error.message).toMatch(/^sql: Syntax error: expected .* but found "FORM" \(line 2, column 1\)$/);
    expect(error.details).toEqual({ line: 2, column: 1, offset: 9 });
  });

  it.each<[string, unknown, string]>([
    ['unknown type', { type: 'email', to: 'x' }, 'actions.0.type: type must be republish, nats, http or postgres'],
    ['unknown field', { type: 'nats', subject: 'a', extra: 1 }, 'actions.0'],
    ['republish wildcard', { type: 'republish', topic: '/pk/+/get' }, 'no + or # wildcards'],
    ['republish qos 2', { type: 'republish', topic: '/pk/dn/get', qos: 2 }, 'actions.0.qos'],
    ['republish bad placeholder', { type: 'republish', topic: '/pk/${a b}/get' }, '${a b} is not a field path'],
    ['nats wildcard', { type: 'nats', subject: 'alerts.>' }, 'no * or > wildcards'],
    ['nats space', { type: 'nats', subject: 'alerts now' }, 'no spaces'],
    ['nats empty token', { type: 'nats', subject: 'alerts..x' }, 'tokens separated by .'],
    [
      'nats platform subject',
      { type: 'nats', subject: 'uplink.v1.custom.pk.dn' },
      'subjects starting with uplink. belong to the platform',
    ],
    ['nats JetStream API', { type: 'nats', subject: '$JS.API.STREAM.DELETE.X' }, 'belong to the platform or to NATS'],
    ['http not a URL', { type: 'http', url: 'example.com/hook' }, 'an http:// or https:// URL'],
    ['http other scheme', { type: 'http', url: 'ftp://example.com/x' }, 'an http:// or https:// URL'],
    [
      'http header injection',
      { type: 'http', url: 'http://x', headers: { a: 'b\r\nc: d' } },
      'header values on one line',
    ],
    ['http timeout too long', { type: 'http', url: 'http://x', timeoutMs: 60_000 }, 'actions.0.timeoutMs'],
    [
      'postgres quoted table',
      { type: 'postgres', table: 'a"; DROP TABLE b', columns: { a: 'a' } },
      'table or schema.table',
    ],
    ['postgres three parts', { type: 'postgres', table: 'a.b.c', columns: { a: 'a' } }, 'table or schema.table'],
    [
      'postgres platform schema',
      { type: 'postgres', table: 'auth.Device', columns: { a: 'a' } },
      'schema auth belongs to the platform',
    ],
    ['postgres no columns', { type: 'postgres', table: 't', columns: {} }, 'between 1 and 100 columns'],
    ['postgres bad column', { type: 'postgres', table: 't', columns: { 'a b': 'a' } }, 'column names'],
    ['postgres bad field', { type: 'postgres', table: 't', columns: { a: '' } }, 'each column takes a field'],
    [
      'postgres bad url',
      { type: 'postgres', table: 't', columns: { a: 'a' }, databaseUrl: 'mysql://x' },
      'a postgresql:// URL',
    ],
  ])('refuses an action: %s', (_, action, message) => {
    const error = problem(rule([action]));
    expect(error.code).toBe(ErrorCode.RULE_INVALID);
    expect(error.message).toContain(message);
  });

  it.each<[string, Partial<RuleDefinition>, string]>([
    ['no name', { name: '  ' }, 'name:'],
    ['no SQL', { sql: '' }, 'sql:'],
    ['too many actions', { actions: Array.from({ length: 11 }, () => ({ type: 'nats', subject: 'a' })) }, 'actions:'],
    ['a bad error action', { errorAction: { type: 'nats', subject: 'a b' } }, 'errorAction.subject'],
  ])('refuses a rule: %s', (_, extra, message) => {
    expect(problem(rule([], extra)).message).toContain(message);
  });
});

describe('NATS subjects of rules', () => {
  it.each([
    ['alerts.dev1', undefined],
    ['alerts', undefined],
    ['alerts.dev 1', 'no spaces'],
    ['alerts.*', 'wildcards'],
    ['uplink.v1.custom.pk.dn', 'belong to the platform'],
    ['rules.x', 'belong to the platform'],
    ['_INBOX.abc', 'belong to the platform'],
    ['$SYS.REQ', 'belong to the platform or to NATS'],
  ])('%s: %s', (subject, problem) => {
    const found = natsSubjectProblem(subject);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });
});
