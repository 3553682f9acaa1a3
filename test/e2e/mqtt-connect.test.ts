import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hmacHex, signContent, type SignMethod } from '@iot/protocol';
import {
  ApiClient,
  connectDevice,
  connectMqtt,
  signedConnectOptions,
  subscribeGranted,
  waitFor,
  type DeviceIdentity,
} from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const clients: MqttClient[] = [];

afterAll(() => {
  for (const c of clients) c.end(true);
});

async function newDevice(name = `d${Math.random().toString(36).slice(2, 10)}`): Promise<DeviceIdentity> {
  const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'mqtt e2e' });
  return api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, { deviceName: name });
}

const statusOf = async (d: DeviceIdentity) =>
  await api.ok<{ status: string; activatedAt: string | null; lastOnlineAt: string | null; ip: string | null }>(
    'GET',
    `/v1/products/${d.productKey}/devices/${d.deviceName}`,
  );

async function connected(url: string, options: Parameters<typeof connectDevice>[1]): Promise<MqttClient> {
  const client = await connectDevice(url, options);
  clients.push(client);
  return client;
}

const closed = (client: MqttClient) => waitFor(() => !client.connected, { what: 'connection closed by the broker' });

describe('MQTT CONNECT with signed credentials', () => {
  it.each<SignMethod>(['hmacmd5', 'hmacsha1', 'hmacsha256'])(
    'accepts %s; the device goes online, then offline',
    async (signMethod) => {
      const device = await newDevice();
      expect((await statusOf(device)).status).toBe('inactive');
      const client = await connected(platform.mqttUrl, signedConnectOptions(device, { signMethod }));
      const online = await waitFor(
        async () => {
          const s = await statusOf(device);
          return s.status === 'online' ? s : undefined;
        },
        { what: 'status online' },
      );
      expect(online.activatedAt).not.toBeNull();
      expect(online.lastOnlineAt).not.toBeNull();
      expect(online.ip).toBe('127.0.0.1');
      client.end();
      await waitFor(async () => (await statusOf(device)).status === 'offline', { what: 'status offline' });
    },
  );

  it('accepts MQTT over WebSocket', async () => {
    const device = await newDevice();
    await connected(platform.mqttWsUrl, signedConnectOptions(device));
    await waitFor(async () => (await statusOf(device)).status === 'online', { what: 'status online' });
  });

  it.each([
    ['a wrong secret', 4, (d: DeviceIdentity) => signedConnectOptions({ ...d, deviceSecret: 'f'.repeat(32) })],
    ['an unknown device', 4, (d: DeviceIdentity) => signedConnectOptions({ ...d, deviceName: 'nobody-here' })],
    ['keepalive 10', 2, (d: DeviceIdentity) => signedConnectOptions(d, { keepalive: 10 })],
    ['keepalive 1500', 2, (d: DeviceIdentity) => signedConnectOptions(d, { keepalive: 1500 })],
    [
      'a clientId without its |…| extension',
      2,
      (d: DeviceIdentity) => ({ ...signedConnectOptions(d), clientId: 'bare-id' }),
    ],
    [
      'a garbage iotToken',
      3,
      (d: DeviceIdentity) => ({ ...signedConnectOptions(d), username: 'someIotId', password: 'garbage' }),
    ],
  ])('refuses %s with CONNACK %i', async (_, code, options) => {
    const device = await newDevice();
    const outcome = await connectMqtt(platform.mqttUrl, options(device));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.returnCode).toBe(code);
    expect((await statusOf(device)).status).toBe('inactive');
  });

  it('accepts keepalive 30 and 1200, the ends of the allowed range', async () => {
    const device = await newDevice();
    for (const keepalive of [30, 1200]) {
      const client = await connected(platform.mqttUrl, signedConnectOptions(device, { keepalive }));
      client.end();
    }
  });

  it('refuses a disabled device (CONNACK 5), kicks it when disabled online, accepts it again once enabled', async () => {
    const device = await newDevice();
    const path = `/v1/products/${device.productKey}/devices/${device.deviceName}`;
    const client = await connected(platform.mqttUrl, signedConnectOptions(device));
    await waitFor(async () => (await statusOf(device)).status === 'online', { what: 'online' });
    await api.ok('POST', `${path}/disable`);
    await closed(client);
    await waitFor(async () => (await statusOf(device)).status === 'offline', { what: 'offline after disable' });
    const refused = await connectMqtt(platform.mqttUrl, signedConnectOptions(device));
    expect(refused.ok ? 0 : refused.returnCode).toBe(5);
    await api.ok('POST', `${path}/enable`);
    await connected(platform.mqttUrl, signedConnectOptions(device));
  });

  it('kicks a deleted device and refuses it afterwards', async () => {
    const device = await newDevice();
    const client = await connected(platform.mqttUrl, signedConnectOptions(device));
    await waitFor(async () => (await statusOf(device)).status === 'online', { what: 'online' });
    await api.ok('DELETE', `/v1/products/${device.productKey}/devices/${device.deviceName}`);
    await closed(client);
    const refused = await connectMqtt(platform.mqttUrl, signedConnectOptions(device));
    expect(refused.ok ? 0 : refused.returnCode).toBe(4);
  });

  it('closes the older connection when the same credentials connect again (the newer wins)', async () => {
    const device = await newDevice();
    const first = await connected(platform.mqttUrl, signedConnectOptions(device, { clientId: 'first' }));
    await waitFor(async () => (await statusOf(device)).status === 'online', { what: 'online' });
    const second = await connected(platform.mqttUrl, signedConnectOptions(device, { clientId: 'second' }));
    await closed(first);
    expect(second.connected).toBe(true);
    // The old connection's disconnect must not mark the device offline. Connection events are handled in
    // order, so once a later device is online, that disconnect has been handled too.
    const barrier = await newDevice();
    await connected(platform.mqttUrl, signedConnectOptions(barrier));
    await waitFor(async () => (await statusOf(barrier)).status === 'online', { what: 'barrier device online' });
    expect((await statusOf(device)).status).toBe('online');
    second.end();
    await waitFor(async () => (await statusOf(device)).status === 'offline', { what: 'offline' });
  });

  it('connects with iotId/iotToken from /auth/devicename (protocol.md §1.4)', async () => {
    const device = await newDevice();
    const params = {
      productKey: device.productKey,
      deviceName: device.deviceName,
      clientId: 'tok-1',
      timestamp: String(Date.now()),
    };
    const sign = hmacHex(
      'hmacmd5',
      device.deviceSecret,
      signContent(params, ['version', 'sign', 'resources', 'signmethod']),
    );
    const res = await fetch(`${platform.deviceHttpUrl}/auth/devicename`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...params, sign, version: 'default', resources: 'mqtt' }).toString(),
    });
    const body = (await res.json()) as { code: number; data: { iotId: string; iotToken: string } };
    expect(body.code).toBe(200);
    await connected(platform.mqttUrl, {
      username: body.data.iotId,
      password: body.data.iotToken,
      clientId: 'any-client-id',
      reconnectPeriod: 0,
    });
    await waitFor(async () => (await statusOf(device)).status === 'online', { what: 'online with token' });
  });
});

describe('per-device topic ACL', () => {
  it('grants its own topics, answers SUBACK 0x80 for others, drops foreign publishes and keeps the connection', async () => {
    const device = await newDevice();
    const other = await newDevice();
    const client = await connected(platform.mqttUrl, signedConnectOptions(device));
    const own = `/sys/${device.productKey}/${device.deviceName}/thing/service/property/set`;
    const foreign = `/sys/${other.productKey}/${other.deviceName}/thing/service/property/set`;
    const granted = await subscribeGranted(client, [
      own,
      foreign,
      '#',
      `/shadow/get/${device.productKey}/${device.deviceName}`,
    ]);
    expect(granted).toEqual([1, 128, 128, 1]);

    const watcher = await connected(platform.mqttUrl, signedConnectOptions(other));
    await watcher.subscribeAsync(`/${other.productKey}/${other.deviceName}/user/#`, { qos: 1 });
    const received: string[] = [];
    watcher.on('message', (topic) => received.push(topic));
    await client.publishAsync(`/${other.productKey}/${other.deviceName}/user/spoof`, 'x', { qos: 1 });
    await client.publishAsync(`/${device.productKey}/${device.deviceName}/user/ok`, 'y', { qos: 1 });
    expect(client.connected).toBe(true);
    // The foreign publish never reaches the other device, though it was acknowledged.
    await watcher.publishAsync(`/${other.productKey}/${other.deviceName}/user/own`, 'z', { qos: 1 });
    await waitFor(() => received.includes(`/${other.productKey}/${other.deviceName}/user/own`), {
      what: 'own message',
    });
    expect(received).not.toContain(`/${other.productKey}/${other.deviceName}/user/spoof`);
    const metrics = await (await fetch(`${platform.deviceHttpUrl}/metrics`)).text();
    expect(metrics).toMatch(/bridge_acl_denied_total\{action="publish",app="bridge"\} [1-9]/);
  });
});
