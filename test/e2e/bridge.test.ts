import { connect, type NatsConnection } from '@nats-io/transport-node';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BridgeRpc, DeviceEvents, type ConnectionEvent, type UplinkMessage } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const clients: MqttClient[] = [];
let nc: NatsConnection;
let bus: Bus;

beforeAll(async () => {
  nc = await connect({ servers: platform.natsUrl });
  bus = new Bus(nc, platform.busNamespace);
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  await bus.close();
});

async function newDevice(): Promise<DeviceIdentity> {
  const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'bridge e2e' });
  return api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
}

async function device(options: Parameters<typeof signedConnectOptions>[1] = {}, identity?: DeviceIdentity) {
  const d = identity ?? (await newDevice());
  const client = await connectDevice(platform.mqttUrl, signedConnectOptions(d, options));
  clients.push(client);
  return { d, client };
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('bridge: uplink to JetStream, downlink from NATS', () => {
  it('classifies device messages by topic family and stores them durably, with connection events', async () => {
    const uplinks: UplinkMessage[] = [];
    const connections: ConnectionEvent[] = [];
    const suffix = Math.random().toString(36).slice(2, 8);
    await bus.consume(DeviceEvents.uplink, { durable: `test-uplink-${suffix}`, deliver: 'new' }, (m) => {
      uplinks.push(m);
      return Promise.resolve();
    });
    await bus.consume(DeviceEvents.connection, { durable: `test-conn-${suffix}`, deliver: 'new' }, (e) => {
      connections.push(e);
      return Promise.resolve();
    });
    const { d, client } = await device();
    const property = `/sys/${d.productKey}/${d.deviceName}/thing/event/property/post`;
    await client.publishAsync(property, JSON.stringify({ id: '1', params: { t: 21 } }), { qos: 1 });
    await client.publishAsync(`/shadow/update/${d.productKey}/${d.deviceName}`, '{"method":"get"}', { qos: 0 });
    await client.publishAsync(`/${d.productKey}/${d.deviceName}/user/raw`, Buffer.from([0, 255, 1]), { qos: 1 });
    const mine = () => uplinks.filter((u) => u.deviceName === d.deviceName);
    await waitFor(() => mine().length === 3, { what: 'three uplinks' });
    expect(
      mine()
        .map((u) => u.family)
        .sort(),
    ).toEqual(['custom', 'shadow', 'thing']);
    const thing = mine().find((u) => u.family === 'thing')!;
    expect(thing).toMatchObject({ productKey: d.productKey, topic: property, qos: 1, messageId: expect.any(String) });
    expect(JSON.parse(Buffer.from(thing.payload, 'base64').toString())).toEqual({ id: '1', params: { t: 21 } });
    expect([...Buffer.from(mine().find((u) => u.family === 'custom')!.payload, 'base64')]).toEqual([0, 255, 1]);

    client.end();
    await waitFor(() => connections.filter((e) => e.deviceName === d.deviceName).length === 2, {
      what: 'connect + disconnect',
    });
    const [up, down] = connections.filter((e) => e.deviceName === d.deviceName);
    expect(up).toMatchObject({ type: 'connected', productKey: d.productKey, keepalive: 60, cleanSession: true });
    expect(down).toMatchObject({ type: 'disconnected', connectedAt: up.connectedAt, reason: expect.any(String) });
  });

  it('publishes downlink requests to the device and says whether a subscriber got them', async () => {
    const { d, client } = await device();
    const topic = `/sys/${d.productKey}/${d.deviceName}/thing/service/property/set`;
    expect(await bus.request(BridgeRpc.publish, { topic, payload: b64('{}'), qos: 1 })).toEqual({ delivered: false });
    await client.subscribeAsync(topic, { qos: 1 });
    const got = new Promise<string>((resolve) => client.once('message', (_t, p) => resolve(p.toString())));
    expect(await bus.request(BridgeRpc.publish, { topic, payload: b64('{"id":"7"}'), qos: 1 })).toEqual({
      delivered: true,
    });
    expect(await got).toBe('{"id":"7"}');
  });

  it('keeps a persistent session (clean=false): subscriptions and QoS 1 messages survive a reconnect', async () => {
    const identity = await newDevice();
    // The session is keyed by the whole clientId, extension included: the SDKs resend it unchanged.
    const options = { clientId: 'persistent-1', clean: false, timestamp: String(Date.now()) } as const;
    const first = await device(options, identity);
    const topic = `/sys/${identity.productKey}/${identity.deviceName}/thing/service/property/set`;
    await first.client.subscribeAsync(topic, { qos: 1 });
    first.client.end(true);
    await waitFor(
      async () =>
        (await api.ok<{ status: string }>('GET', `/v1/products/${identity.productKey}/devices/${identity.deviceName}`))
          .status === 'offline',
      { what: 'device offline' },
    );
    // Offline now: the message is queued in the session.
    expect(await bus.request(BridgeRpc.publish, { topic, payload: b64('while-away'), qos: 1 })).toEqual({
      delivered: true,
    });

    const messages: string[] = [];
    // Like the official SDK after a reconnect: no SUBSCRIBE at all (sdk-compat.md §2.9). The listener is
    // attached before CONNECT, since queued messages may arrive right behind the CONNACK.
    const again = mqtt.connect(platform.mqttUrl, { ...signedConnectOptions(identity, options), resubscribe: false });
    clients.push(again);
    again.on('message', (_t, p) => messages.push(p.toString()));
    await waitFor(() => messages.includes('while-away'), { what: 'queued message delivered' });
    await bus.request(BridgeRpc.publish, { topic, payload: b64('after'), qos: 1 });
    await waitFor(() => messages.includes('after'), { what: 'subscription kept' });
  });
});
