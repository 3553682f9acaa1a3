import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@iot/runtime';
import { PrismaClient } from '../generated/prisma/client';
import { CommandRepository, type NewCommand } from './command.repository';

// The test database is migrated by `npm test` (scripts/setup.sh).
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_test';
const db = createPrismaClient(PrismaClient, databaseUrl, 'tsl');
const repository = new CommandRepository(db);
const productKey = `it${randomBytes(4).toString('hex')}`;
let seq = 0;

afterAll(async () => {
  await db.$executeRaw`DELETE FROM "tsl"."Command" WHERE "productKey" = ${productKey}`;
  await db.$disconnect();
});

async function queue(deviceName: string, status = 'PENDING', qos = 1): Promise<string> {
  const command: NewCommand = {
    id: `${productKey}-${++seq}`,
    productKey,
    deviceName,
    kind: 'message',
    identifier: null,
    topic: `/${productKey}/${deviceName}/user/get`,
    payload: 'e30=',
    qos,
    status,
    expiresAt: new Date(Date.now() + 60_000),
  };
  // Distinct creation times, so the order under test is the creation order.
  await new Promise((r) => setTimeout(r, 3));
  return (await repository.create(command)).id;
}

describe('CommandRepository batches against a real Postgres', () => {
  it('reads the queues of many devices in one statement, per device oldest first, only PENDING', async () => {
    const a1 = await queue('a');
    const b1 = await queue('b');
    const a2 = await queue('a');
    await queue('a', 'DELIVERED');
    const a3 = await queue('a');

    const lists = await repository.pendingMany([
      { productKey, deviceName: 'b' },
      { productKey, deviceName: 'none' },
      { productKey, deviceName: 'a' },
    ]);

    expect(lists.map((l) => l.map((c) => c.id))).toEqual([[b1], [], [a1, a2, a3]]);
    const [command] = lists[0];
    expect(command.createdAt).toBeInstanceOf(Date);
    expect(command.expiresAt).toBeInstanceOf(Date);
    expect(command).toMatchObject({ productKey, deviceName: 'b', qos: 1, status: 'PENDING', sentAt: null });
  });

  it('records many outcomes in one statement, each only while its command is PENDING', async () => {
    const delivered = await queue('c');
    const sent = await queue('c', 'PENDING', 0);
    const expired = await queue('c');
    const cancelled = await queue('c', 'CANCELLED');
    const at = new Date(Date.now() - 1_000);

    const outcomes = await repository.markMany([
      { id: delivered, to: 'DELIVERED', at },
      { id: cancelled, to: 'DELIVERED', at },
      { id: sent, to: 'SENT', at },
      { id: expired, to: 'EXPIRED', at },
      { id: 'no-such-command', to: 'DELIVERED', at },
    ]);

    expect(outcomes).toEqual([true, false, true, true, false]);
    const read = async (id: string) => (await repository.find(id))!;
    expect(await read(delivered)).toMatchObject({ status: 'DELIVERED', sentAt: at, deliveredAt: at });
    expect(await read(sent)).toMatchObject({ status: 'SENT', sentAt: at, deliveredAt: null });
    expect(await read(expired)).toMatchObject({ status: 'EXPIRED', sentAt: null, deliveredAt: null });
    expect(await read(cancelled)).toMatchObject({ status: 'CANCELLED', sentAt: null });
    // A second delivery of the same command is not recorded twice.
    expect(await repository.markMany([{ id: delivered, to: 'DELIVERED', at: new Date() }])).toEqual([false]);
    expect((await read(delivered)).deliveredAt).toEqual(at);
  });
});
