import { describe, expect, it } from 'vitest';
import type { PostgresAction } from '@iot/contracts';
import { insertStatement } from './postgres.action';

const action = (table: string, columns: Record<string, string>): PostgresAction => ({
  type: 'postgres',
  table,
  columns,
});

describe('postgres action: the INSERT statement', () => {
  it('quotes the identifiers and passes every value as a parameter', () => {
    const output = { device: "x'); DROP TABLE readings; --", t: 39.5, meta: { a: [1, 2] }, none: null };
    expect(
      insertStatement(action('telemetry.readings', { device: 'device', t: 't', meta: 'meta', none: 'none' }), output),
    ).toEqual({
      text: 'INSERT INTO "telemetry"."readings" ("device", "t", "meta", "none") VALUES ($1, $2, $3, $4)',
      values: ["x'); DROP TABLE readings; --", 39.5, '{"a":[1,2]}', null],
    });
  });

  it('takes nested fields and gives null for missing ones', () => {
    expect(
      insertStatement(action('readings', { v: 'items.Power.value', w: 'nope' }), { items: { Power: { value: 'on' } } }),
    ).toEqual({
      text: 'INSERT INTO "readings" ("v", "w") VALUES ($1, $2)',
      values: ['on', null],
    });
  });

  it.each([
    ['readings"; DROP TABLE x; --', { a: 'a' }],
    ['a.b.c', { a: 'a' }],
    ['readings', { 'a"b': 'a' }],
    ['readings', { 'a b': 'a' }],
  ])('refuses identifiers that are not plain: %s %j', (table, columns) => {
    expect(() => insertStatement(action(table, columns), {})).toThrow('is not a plain SQL identifier');
  });
});
