import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@iot/runtime';
import { PrismaClient } from '../generated/prisma/client';
import type { ShadowDocument } from '../document/shadow-document';
import { ShadowRepository, type BatchWrite, type LoadedShadow } from './shadow.repository';

// The test database is migrated by `npm test` (scripts/setup.sh).
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_test';
const db = createPrismaClient(PrismaClient, databaseUrl, 'shadow');
const repository = new ShadowRepository(db);
const productKey = `it${randomBytes(4).toString('hex')}`;

afterAll(async () => {
  await db.$executeRaw`DELETE FROM "shadow"."Shadow" WHERE "productKey" = ${productKey}`;
  await db.$executeRaw`DELETE FROM "shadow"."AppliedMessage" WHERE "messageId" LIKE ${`${productKey}%`}`;
  await db.$disconnect();
});

const doc = (version: number, color: string): ShadowDocument => ({
  state: { reported: { color } },
  metadata: { reported: { color: { timestamp: 1 } } },
  timestamp: 1,
  version,
});

/** A write of `color` over what was read, one version up. */
const writeOver = (deviceName: string, read: LoadedShadow, color: string, messageId?: string): BatchWrite => ({
  productKey,
  deviceName,
  read,
  next: { document: doc(read.document.version + 1, color), clockVersion: null },
  messageId: messageId && `${productKey}-${messageId}`,
});

const colorOf = (s: LoadedShadow) => (s.document.state.reported as { color?: string } | undefined)?.color;

describe('ShadowRepository batches against a real Postgres', () => {
  it('loads many shadows in one statement, in order, missing ones empty', async () => {
    const [created] = await repository.saveMany([
      writeOver('load-a', (await repository.loadMany([{ productKey, deviceName: 'load-a' }]))[0], 'red'),
    ]);
    expect(created).toBe('saved');
    const loaded = await repository.loadMany([
      { productKey, deviceName: 'load-missing' },
      { productKey, deviceName: 'load-a' },
    ]);
    expect(loaded.map((s) => [s.exists, s.document.version, colorOf(s)])).toEqual([
      [false, 0, undefined],
      [true, 1, 'red'],
    ]);
  });

  it('saves each write only if its row is unchanged and its message is new; outcomes in order', async () => {
    const names = ['new', 'existing', 'stale', 'replayed'];
    const empty = await repository.loadMany(names.map((deviceName) => ({ productKey, deviceName })));
    expect(
      await repository.saveMany(names.slice(1).map((name, i) => writeOver(name, empty[i + 1], 'v1', `${name}-1`))),
    ).toEqual(['saved', 'saved', 'saved']);
    const [fresh, existing, stale, replayed] = await repository.loadMany(
      names.map((deviceName) => ({ productKey, deviceName })),
    );
    // Someone else writes `stale` after our read.
    expect(await repository.saveMany([writeOver('stale', stale, 'theirs')])).toEqual(['saved']);

    const outcomes = await repository.saveMany([
      writeOver('new', fresh, 'v1', 'new-1'),
      writeOver('existing', existing, 'v2', 'existing-2'),
      writeOver('stale', stale, 'ours', 'stale-2'),
      writeOver('replayed', replayed, 'again', 'replayed-1'),
    ]);
    expect(outcomes).toEqual(['saved', 'saved', 'conflict', 'duplicate']);
    const after = await repository.loadMany(names.map((deviceName) => ({ productKey, deviceName })));
    expect(after.map((s) => [s.document.version, colorOf(s)])).toEqual([
      [1, 'v1'],
      [2, 'v2'],
      [2, 'theirs'],
      [1, 'v1'],
    ]);
  });

  it('a message applied in a batch is a duplicate for the locked save too', async () => {
    const [read] = await repository.loadMany([{ productKey, deviceName: 'mixed' }]);
    expect(await repository.saveMany([writeOver('mixed', read, 'a', 'mixed-1')])).toEqual(['saved']);
    const next = { document: doc(2, 'b'), clockVersion: null };
    expect(await repository.saveLocked(productKey, 'mixed', () => next, `${productKey}-mixed-1`)).toBe('duplicate');
  });

  it('two batches over the same rows in opposite orders: no deadlock, one write wins per row', async () => {
    const names = Array.from({ length: 40 }, (_, i) => `race-${String(i).padStart(2, '0')}`);
    const keys = names.map((deviceName) => ({ productKey, deviceName }));
    const created = await repository.loadMany(keys);
    await repository.saveMany(names.map((n, i) => writeOver(n, created[i], 'start')));
    const read = await repository.loadMany(keys);
    const ours = names.map((n, i) => writeOver(n, read[i], 'ours'));
    const theirs = names.map((n, i) => writeOver(n, read[i], 'theirs')).reverse();
    const [a, b] = await Promise.all([repository.saveMany(ours), repository.saveMany(theirs.slice())]);
    const won = names.map((_, i) => [a[i], b[names.length - 1 - i]].filter((o) => o === 'saved').length);
    expect(won.every((n) => n === 1)).toBe(true);
    const after = await repository.loadMany(keys);
    expect(after.every((s) => s.document.version === 2)).toBe(true);
  });
});
