import { describe, expect, it } from 'vitest';
import * as contracts from './index';
import type { RpcContract, SignalContract, StreamSpec } from './bus';

const all: unknown[] = Object.values(contracts as Record<string, unknown>).flatMap((v): unknown[] =>
  v && typeof v === 'object' ? Object.values(v as Record<string, unknown>) : [],
);
const isRpc = (c: unknown): c is RpcContract<unknown, unknown> | SignalContract<unknown> =>
  typeof c === 'object' &&
  c !== null &&
  ((c as { kind?: string }).kind === 'rpc' || (c as { kind?: string }).kind === 'signal');
const streams = Object.values(contracts).filter(
  (v): v is StreamSpec => typeof v === 'object' && v !== null && 'duplicateWindowSeconds' in v,
);

/** NATS subject matching with `*` and `>`. */
const matches = (filter: string, subject: string): boolean => {
  const f = filter.split('.');
  const s = subject.split('.');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '>') return s.length > i;
    if (i >= s.length || (f[i] !== '*' && f[i] !== s[i])) return false;
  }
  return f.length === s.length;
};

describe('contracts', () => {
  it('finds the streams and the request subjects', () => {
    expect(streams.map((s) => s.name)).toEqual(
      expect.arrayContaining(['DEVICE_UPLINK', 'DEVICE_CONNECTIONS', 'SHADOW_EVENTS']),
    );
    expect(all.filter(isRpc).length).toBeGreaterThan(10);
  });

  it('no stream captures a request or signal subject (JetStream would answer requests with a PubAck)', () => {
    for (const stream of streams) {
      for (const c of all.filter(isRpc)) {
        for (const filter of stream.subjects)
          expect(matches(filter, c.subject), `${stream.name} ⊇ ${c.subject}`).toBe(false);
      }
    }
  });

  it('subjects are versioned and unique', () => {
    const subjects = all.filter(isRpc).map((c) => c.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    for (const s of subjects) expect(s).toMatch(/\.v\d+\./);
  });
});
