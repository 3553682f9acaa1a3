import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrismaClient } from '@iot/runtime';
import { PrismaClient } from '../generated/prisma/client';
import { GatewayRepository } from './gateway.repository';

// The test database is migrated by `npm test` (scripts/setup.sh).
const databaseUrl = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/iot_test';
const db = createPrismaClient(PrismaClient, databaseUrl, 'auth');
const repository = new GatewayRepository(db);
const suffix = randomBytes(4).toString('hex');
const subProduct = `it${suffix}s`;
const gatewayProduct = `it${suffix}g`;
const iot = (productKey: string, deviceName: string) => `${productKey}-${deviceName}`;

beforeAll(async () => {
  await db.product.create({ data: { productKey: subProduct, name: 'subs', secretCipher: 'x' } });
  await db.product.create({
    data: { productKey: gatewayProduct, name: 'gateways', nodeType: 'gateway', secretCipher: 'x' },
  });
  for (const [productKey, deviceName] of [
    [subProduct, 'a'],
    [subProduct, 'b'],
    [gatewayProduct, 'gw1'],
    [gatewayProduct, 'gw2'],
  ])
    await db.device.create({ data: { iotId: iot(productKey, deviceName), productKey, deviceName, secretCipher: 's' } });
});

afterAll(async () => {
  const ids = ['a', 'b'].map((n) => iot(subProduct, n));
  await db.subSession.deleteMany({ where: { subIotId: { in: ids } } });
  await db.subLogin.deleteMany({ where: { subIotId: { in: ids } } });
  await db.device.deleteMany({ where: { productKey: { in: [subProduct, gatewayProduct] } } });
  await db.product.deleteMany({ where: { productKey: { in: [subProduct, gatewayProduct] } } });
  await db.$disconnect();
});

describe('GatewayRepository sub-device sessions against a real Postgres', () => {
  it('names both devices of a session, lists a connection’s sessions in login order, closes only on its connection', async () => {
    const a = await repository.openSession(iot(subProduct, 'a'), iot(gatewayProduct, 'gw1'), 'gw1-conn', true);
    await repository.openSession(iot(subProduct, 'b'), iot(gatewayProduct, 'gw1'), 'gw1-conn', true);

    expect(await repository.sessionOf(subProduct, 'a')).toEqual({
      productKey: subProduct,
      deviceName: 'a',
      gatewayProductKey: gatewayProduct,
      gatewayDeviceName: 'gw1',
      gatewayClientId: 'gw1-conn',
      loggedInAt: a,
    });
    expect(await repository.sessionOf(subProduct, 'nobody')).toBeUndefined();
    expect((await repository.sessionsOn('gw1-conn')).map((s) => s.deviceName)).toEqual(['a', 'b']);

    // `a` moves to the other gateway's connection.
    await repository.openSession(iot(subProduct, 'a'), iot(gatewayProduct, 'gw2'), 'gw2-conn', true);
    expect(await repository.sessionOf(subProduct, 'a')).toMatchObject({
      gatewayDeviceName: 'gw2',
      gatewayClientId: 'gw2-conn',
    });
    expect((await repository.sessionsOn('gw1-conn')).map((s) => s.deviceName)).toEqual(['b']);

    // A logout through the old connection closes nothing.
    expect(await repository.closeSessionOn(iot(subProduct, 'a'), 'gw1-conn')).toBeUndefined();
    expect(await repository.closeSessionOn(iot(subProduct, 'a'), 'gw2-conn')).toBeInstanceOf(Date);
    expect(await repository.sessionOf(subProduct, 'a')).toBeUndefined();
  });
});
