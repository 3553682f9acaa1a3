import { describe, expect, it } from 'vitest';
import { emptyDocument } from './shadow-document';
import { parseShadowRequest, type WriteRequest } from './shadow-request';
import { planWrite, type StoredShadow } from './shadow-write';

const write = (payload: unknown): WriteRequest => {
  const parsed = parseShadowRequest(JSON.stringify(payload));
  if (!parsed.ok || parsed.request.method === 'get') throw new Error('not a write');
  return parsed.request;
};
const stored = (reported: Record<string, unknown> = {}, version = 0): StoredShadow => ({
  document: { ...emptyDocument(), state: Object.keys(reported).length ? { reported: reported as never } : {}, version },
  clockVersion: null,
});
const attrs = (n: number, prefix = 'a') =>
  Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, i]));

describe('planWrite: checks against the stored shadow', () => {
  it('408 when the merge would hold more than 128 reported attributes', () => {
    const plan = planWrite(stored(attrs(100)), write({ method: 'update', state: { reported: attrs(29, 'b') } }), 1);
    expect(plan).toEqual({ ok: false, error: expect.objectContaining({ code: 408 }) });
  });

  it('409 on a stale version, nothing planned', () => {
    expect(
      planWrite(stored({ a: 1 }, 4), write({ method: 'update', state: { reported: { a: 2 } }, version: 4 }), 1),
    ).toEqual({
      ok: false,
      error: { code: 409, message: 'Version conflict' },
    });
  });

  it('413 when desired + reported would pass 16 KB', () => {
    const big = { method: 'update', state: { reported: { blob: 'x'.repeat(16 * 1024) } } };
    expect(planWrite(stored(), write(big), 1)).toEqual({ ok: false, error: expect.objectContaining({ code: 413 }) });
  });

  it('a desired change makes a control due; the version becomes the requested one', () => {
    const plan = planWrite(
      stored({ color: 'red' }, 1),
      write({ method: 'update', state: { desired: { color: 'green' } }, version: 2 }),
      50,
    );
    expect(plan).toMatchObject({
      ok: true,
      controlDue: true,
      next: {
        document: { version: 2, timestamp: 50, state: { desired: { color: 'green' }, reported: { color: 'red' } } },
      },
    });
  });

  it('deleting the document empties it and keeps the version rising', () => {
    const plan = planWrite(stored({ color: 'red' }, 7), write({ method: 'delete', version: 8 }), 60);
    expect(plan).toEqual({
      ok: true,
      controlDue: false,
      next: { document: { state: {}, metadata: {}, timestamp: 60, version: 8 }, clockVersion: null },
    });
  });
});
