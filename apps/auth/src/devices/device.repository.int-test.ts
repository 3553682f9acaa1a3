import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@iot/runtime';
import { PrismaClient } from '../generated/prisma/client';
import { DeviceLookup } from './device-lookup';
import { DeviceRepository } from './device.repository';

// The test database is migrated by `npm test` (scripts/setup.sh).
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_test';
const db = createPrismaClient(PrismaClient, databaseUrl, 'auth');
const repository = new DeviceRepository(db);
const suffix = randomBytes(4).toString('hex');
const device = `it${suffix}d`;
const gateway = `it${suffix}g`;

beforeAll(async () => {
  await db.product.create({ data: { productKey: device, name: 'devices', secretCipher: 'x' } });
  await db.product.create({ data: { productKey: gateway, name: 'gateways', nodeType: 'gateway', secretCipher: 'x' } });
  for (const [productKey, deviceName] of [
    [device, 'one'],
    [device, 'two'],
    [gateway, 'one'],
  ])
    await repository.create({
      iotId: `${productKey}-${deviceName}`,
      productKey,
      deviceName,
      secretCipher: `s-${deviceName}`,
    });
  await db.device.update({
    where: { iotId: `${device}-two` },
    data: { disabled: true, status: 'online', connectedAt: 1_700_000_000_123n },
  });
});

afterAll(async () => {
  await db.device.deleteMany({ where: { productKey: { in: [device, gateway] } } });
  await db.product.deleteMany({ where: { productKey: { in: [device, gateway] } } });
  await db.$disconnect();
});

describe('DeviceRepository batches against a real Postgres', () => {
  it('reads many devices with their node types in one statement, in order, unknown ones undefined', async () => {
    const found = await repository.findManyWithProduct([
      { productKey: gateway, deviceName: 'one' },
      { productKey: device, deviceName: 'missing' },
      { productKey: device, deviceName: 'two' },
      { productKey: device, deviceName: 'one' },
    ]);

    expect(found.map((d) => d && `${d.productKey}/${d.deviceName}`)).toEqual([
      `${gateway}/one`,
      undefined,
      `${device}/two`,
      `${device}/one`,
    ]);
    expect(found[0]).toMatchObject({ product: { nodeType: 'gateway' }, disabled: false, status: 'inactive' });
    expect(found[2]).toMatchObject({
      iotId: `${device}-two`,
      secretCipher: 's-two',
      product: { nodeType: 'device' },
      disabled: true,
      status: 'online',
      connectedAt: 1_700_000_000_123n,
    });
    expect(found[2]?.createdAt).toBeInstanceOf(Date);
  });

  it('answers concurrent lookups together, and never from a cache', async () => {
    const lookup = new DeviceLookup(repository);
    const [one, two] = await Promise.all([lookup.find(device, 'one'), lookup.find(device, 'two')]);
    expect([one?.deviceName, two?.deviceName]).toEqual(['one', 'two']);

    await db.device.update({ where: { iotId: `${device}-one` }, data: { disabled: true } });
    expect((await lookup.find(device, 'one'))?.disabled).toBe(true);
  });

  it('records many connections in one statement, never over a newer one', async () => {
    const at = Date.now();
    const facts = (iotId: string, clientId: string, connectedAt: number) => ({
      iotId,
      clientId,
      connectedAt,
      at,
      peerhost: '10.0.0.1',
    });

    // `two` has a connection from 1_700_000_000_123 on record: an older one is stale, a newer one wins.
    expect(
      await repository.recordConnectedMany([
        facts(`${device}-two`, 'old', 1_700_000_000_000),
        facts(`${gateway}-one`, 'gw', 1_700_000_000_500),
        facts('no-such-device', 'x', 1),
      ]),
    ).toEqual([false, true, false]);
    expect(await repository.recordConnectedMany([facts(`${device}-two`, 'new', 1_700_000_000_200)])).toEqual([true]);

    const two = await db.device.findUniqueOrThrow({ where: { iotId: `${device}-two` } });
    expect(two).toMatchObject({ status: 'online', clientId: 'new', connectedAt: 1_700_000_000_200n, ip: '10.0.0.1' });
    expect(two.lastOnlineAt?.getTime()).toBe(at);
    const gw = await db.device.findUniqueOrThrow({ where: { iotId: `${gateway}-one` } });
    expect(gw).toMatchObject({ status: 'online', clientId: 'gw', connectedAt: 1_700_000_000_500n });
    expect(gw.activatedAt?.getTime()).toBe(at);
  });
});
