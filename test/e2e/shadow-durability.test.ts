import { connect } from '@nats-io/transport-node';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeviceEvents, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';

interface Reply {
  method: string;
  payload: { status: string; version?: number };
}

let platform: TestPlatform;
let api: ApiClient;
let bus: Bus;
const clients: MqttClient[] = [];

// A platform of its own: these tests stop apps/shadow, and run two replicas of it.
beforeAll(async () => {
  platform = await startTestPlatform({ replicas: { shadow: 2 } });
  api = new ApiClient(platform.info.baseUrl, platform.info.apiKey);
  bus = new Bus(await connect({ servers: platform.info.natsUrl }), platform.info.busNamespace);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  await bus?.close();
  await platform?.stop();
});

async function device() {
  const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'durability' });
  const d = await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
  const client = await connectDevice(platform.info.mqttUrl, signedConnectOptions(d));
  clients.push(client);
  const replies: Reply[] = [];
  client.on('message', (_t, p) => {
    const m = JSON.parse(p.toString()) as Reply;
    if (m.method === 'reply') replies.push(m);
  });
  await client.subscribeAsync(`/shadow/get/${d.productKey}/${d.deviceName}`, { qos: 1 });
  const update = `/shadow/update/${d.productKey}/${d.deviceName}`;
  const path = `/v1/products/${d.productKey}/devices/${d.deviceName}/shadow`;
  return { d, client, replies, update, path };
}

describe('shadow durability and concurrency', () => {
  it('applies an update the broker accepted while apps/shadow was down, once it is back', async () => {
    const { client, replies, update, path } = await device();
    await platform.running.stopApp('shadow');
    await client.publishAsync(update, JSON.stringify({ method: 'update', state: { reported: { during: 'outage' } } }), {
      qos: 1,
    });
    expect(replies).toHaveLength(0);
    await platform.running.startApp('shadow');
    await waitFor(() => replies.length === 1, { what: 'the reply, after the restart' });
    expect(replies[0].payload).toEqual({ status: 'success', version: 1 });
    expect((await api.ok<{ state: unknown }>('GET', path)).state).toEqual({ reported: { during: 'outage' } });
  });

  it('applies a redelivered device message once', async () => {
    const { d, replies, path } = await device();
    const message: UplinkMessage = {
      messageId: `redelivered-${d.deviceName}`,
      productKey: d.productKey,
      deviceName: d.deviceName,
      family: 'shadow',
      topic: `/shadow/update/${d.productKey}/${d.deviceName}`,
      payload: Buffer.from(JSON.stringify({ method: 'update', state: { reported: { n: 1 } } })).toString('base64'),
      qos: 1,
      clientId: 'test',
      receivedAt: Date.now(),
    };
    // Stored twice in the stream (no JetStream dedupe id), as after a consumer crash between apply and ack.
    await bus.publish(DeviceEvents.uplink, ['shadow', d.productKey, d.deviceName], message);
    await bus.publish(DeviceEvents.uplink, ['shadow', d.productKey, d.deviceName], message);
    await waitFor(() => replies.length === 2, { what: 'both deliveries answered' });
    expect(replies.map((r) => r.payload)).toEqual([
      { status: 'success', version: 1 },
      { status: 'success', version: 1 },
    ]);
    expect(await api.ok('GET', path)).toMatchObject({ state: { reported: { n: 1 } }, version: 1 });
  });

  it('never loses an update with a device and an application writing at once through two shadow replicas', async () => {
    const { client, replies, update, path } = await device();
    const writes = 60;
    await Promise.all([
      ...Array.from({ length: writes }, (_, i) =>
        client.publishAsync(update, JSON.stringify({ method: 'update', state: { reported: { [`r${i}`]: i } } }), {
          qos: 1,
        }),
      ),
      ...Array.from({ length: writes }, (_, i) =>
        api.ok('POST', path, {
          shadowMessage: JSON.stringify({ method: 'update', state: { desired: { [`d${i}`]: i } } }),
        }),
      ),
    ]);
    await waitFor(() => replies.length === writes, { what: 'every device update answered', timeoutMs: 30_000 });
    expect(replies.every((r) => r.payload.status === 'success')).toBe(true);
    const shadow = await api.ok<{ state: { desired: object; reported: object }; version: number }>('GET', path);
    expect(Object.keys(shadow.state.reported)).toHaveLength(writes);
    expect(Object.keys(shadow.state.desired)).toHaveLength(writes);
    expect(shadow.version).toBe(2 * writes);
  });
});
