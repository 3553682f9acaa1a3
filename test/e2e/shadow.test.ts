import { connect } from '@nats-io/transport-node';
import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ShadowEvents, type ShadowChangedEvent } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const clients: MqttClient[] = [];

afterAll(() => {
  for (const c of clients) c.end(true);
});

interface ShadowMessage {
  method: string;
  payload: {
    status: string;
    version?: number;
    state?: Record<string, Record<string, unknown>>;
    metadata?: Record<string, Record<string, { timestamp: number }>>;
    content?: { errorcode: string; errormessage: string };
  };
  timestamp: number;
}

async function newDevice(product?: string): Promise<DeviceIdentity> {
  const productKey =
    product ?? (await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'shadow e2e' })).productKey;
  return api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
}

/** A device that subscribed to its `/shadow/get` topic and records what arrives there. */
async function shadowDevice(d: DeviceIdentity) {
  const client = await connectDevice(platform.mqttUrl, signedConnectOptions(d));
  clients.push(client);
  const inbox: ShadowMessage[] = [];
  client.on('message', (_topic, payload) => inbox.push(JSON.parse(payload.toString()) as ShadowMessage));
  await client.subscribeAsync(`/shadow/get/${d.productKey}/${d.deviceName}`, { qos: 1 });
  const send = async (message: unknown): Promise<ShadowMessage> => {
    const before = inbox.filter((m) => m.method === 'reply').length;
    await client.publishAsync(
      `/shadow/update/${d.productKey}/${d.deviceName}`,
      typeof message === 'string' ? message : JSON.stringify(message),
      { qos: 1 },
    );
    return waitFor(() => inbox.filter((m) => m.method === 'reply')[before], { what: 'shadow reply' });
  };
  return { client, inbox, send };
}

const shadowPath = (d: DeviceIdentity) => `/v1/products/${d.productKey}/devices/${d.deviceName}/shadow`;
const appUpdate = (d: DeviceIdentity, message: unknown) =>
  api.call<{ version?: number; code?: string }>('POST', shadowPath(d), { shadowMessage: JSON.stringify(message) });

describe('device shadow over MQTT (protocol.md §2)', () => {
  it('the lightbulb flow of seed 002 §7.2: report, desired, control, report, clear desired', async () => {
    const d = await newDevice();
    const device = await shadowDevice(d);

    const reported = await device.send({ method: 'update', state: { reported: { color: 'red' } }, version: 1 });
    expect(reported).toEqual({
      method: 'reply',
      payload: { status: 'success', version: 1 },
      timestamp: expect.any(Number),
    });

    expect(await appUpdate(d, { method: 'update', state: { desired: { color: 'green' } }, version: 2 })).toEqual({
      status: 200,
      body: { version: 2 },
    });
    const control = await waitFor(() => device.inbox.find((m) => m.method === 'control'), { what: 'control' });
    expect(control.payload).toMatchObject({
      status: 'success',
      state: { reported: { color: 'red' }, desired: { color: 'green' } },
      metadata: {
        reported: { color: { timestamp: expect.any(Number) } },
        desired: { color: { timestamp: expect.any(Number) } },
      },
      version: 2,
    });
    // Epoch seconds, not milliseconds (AMBIG-8).
    expect(control.payload.metadata!.desired.color.timestamp).toBeLessThan(1e11);

    expect(
      (await device.send({ method: 'update', state: { reported: { color: 'green' } }, version: 3 })).payload,
    ).toEqual({ status: 'success', version: 3 });
    expect((await device.send({ method: 'update', state: { desired: 'null' }, version: 4 })).payload).toEqual({
      status: 'success',
      version: 4,
    });

    const { body } = await api.call<Record<string, unknown>>('GET', shadowPath(d));
    expect(body).toEqual({
      state: { reported: { color: 'green' } },
      metadata: { reported: { color: { timestamp: expect.any(Number) } } },
      timestamp: expect.any(Number),
      version: 4,
    });
  });

  it('the offline flow of seed 000: desired set while the device sleeps, pulled with get on wake-up', async () => {
    const d = await newDevice();
    const version = Date.now();
    expect(
      (await appUpdate(d, { method: 'update', state: { desired: { maxTemperature: 39.5 } }, version })).body,
    ).toEqual({ version });
    const device = await shadowDevice(d);
    const reply = await device.send({ method: 'get' });
    expect(reply.payload).toEqual({
      status: 'success',
      state: { desired: { maxTemperature: 39.5 }, delta: { maxTemperature: 39.5 } },
      metadata: { desired: { maxTemperature: { timestamp: expect.any(Number) } } },
      version,
    });
    expect(Math.abs(reply.payload.metadata!.desired.maxTemperature.timestamp - Date.now() / 1000)).toBeLessThan(30);
  });

  it.each<[string, string, string]>([
    ['407', '', 'JSON file is empty'],
    ['400', '{"method":', 'Incorrect JSON'],
    ['401', '{"state":{}}', 'method not found'],
    ['406', '{"method":"control"}', 'invalid method'],
    ['402', '{"method":"update"}', 'state not found'],
    ['403', '{"method":"update","state":{"reported":{"a":1}},"version":-2}', 'invalid version'],
    ['404', '{"method":"update","state":{}}', 'reported not found'],
    ['405', '{"method":"update","state":{"reported":{}}}', 'reported empty'],
    [
      '408',
      JSON.stringify({
        method: 'update',
        state: { reported: Object.fromEntries(Array.from({ length: 129 }, (_, i) => [`k${i}`, i])) },
      }),
      'reported or desired has more than 128 attributes',
    ],
    ['409', '{"method":"update","state":{"reported":{"a":1}},"version":0}', 'Version conflict'],
  ])('answers errorcode %s on /shadow/get', async (code, payload, message) => {
    const d = await newDevice();
    const device = await shadowDevice(d);
    const reply = await device.send(payload);
    expect(reply).toEqual({
      method: 'reply',
      payload: { status: 'error', content: { errorcode: code, errormessage: message } },
      timestamp: expect.any(Number),
    });
  });

  it('applies the version rules to applications too: 409 SHADOW_VERSION_CONFLICT, 400 SHADOW_INVALID, 404 for an unknown device', async () => {
    const d = await newDevice();
    expect((await appUpdate(d, { method: 'update', state: { desired: { a: 1 } }, version: 5 })).body).toEqual({
      version: 5,
    });
    expect(await appUpdate(d, { method: 'update', state: { desired: { a: 2 } }, version: 5 })).toMatchObject({
      status: 409,
      body: { code: 'SHADOW_VERSION_CONFLICT' },
    });
    expect(await appUpdate(d, { method: 'update', state: { reported: {} } })).toMatchObject({
      status: 400,
      body: { code: 'SHADOW_INVALID' },
    });
    const unknown = await api.call('GET', `/v1/products/${d.productKey}/devices/no-such-device/shadow`);
    expect(unknown).toMatchObject({ status: 404, body: { code: 'DEVICE_NOT_FOUND' } });
    const stored = await api.ok<{ state: { desired: { a: number } }; version: number }>('GET', shadowPath(d));
    expect(stored).toMatchObject({ state: { desired: { a: 1 } }, version: 5 });
  });

  it('deletes attributes, all of reported, and the whole document (the version keeps rising)', async () => {
    const d = await newDevice();
    const device = await shadowDevice(d);
    await device.send({ method: 'update', state: { reported: { a: 1, b: 2, c: 3 } } });
    expect((await device.send({ method: 'delete', state: { reported: { a: 'null' } } })).payload).toEqual({
      status: 'success',
      version: 2,
    });
    expect((await api.ok<{ state: unknown }>('GET', shadowPath(d))).state).toEqual({ reported: { b: 2, c: 3 } });
    expect((await device.send({ method: 'delete', state: { reported: 'null' } })).payload.status).toBe('success');
    await appUpdate(d, { method: 'update', state: { desired: { x: 1 } } });
    expect((await device.send({ method: 'delete', version: 10 })).payload).toEqual({ status: 'success', version: 10 });
    expect(await api.ok('GET', shadowPath(d))).toEqual({
      state: {},
      metadata: {},
      timestamp: expect.any(Number),
      version: 10,
    });
  });

  it('pushes the pending control on reconnect when the product asks for it', async () => {
    const d = await newDevice();
    expect(await api.ok('PUT', `/v1/products/${d.productKey}/shadow-settings`, { pushControlOnConnect: true })).toEqual(
      { productKey: d.productKey, pushControlOnConnect: true },
    );
    await appUpdate(d, { method: 'update', state: { desired: { mode: 'eco' } } });
    const device = await shadowDevice(d); // never sends get
    const control = await waitFor(() => device.inbox.find((m) => m.method === 'control'), {
      what: 'control pushed on connect',
    });
    expect(control.payload.state).toMatchObject({ desired: { mode: 'eco' }, delta: { mode: 'eco' } });
  });

  it('publishes every change as a shadow.v1.changed event', async () => {
    const bus = new Bus(await connect({ servers: platform.natsUrl }), platform.busNamespace);
    try {
      const events: ShadowChangedEvent[] = [];
      const d = await newDevice();
      await bus.consume(ShadowEvents.changed, { durable: `test-changed-${d.deviceName}`, deliver: 'new' }, (e) => {
        if (e.deviceName === d.deviceName) events.push(e);
        return Promise.resolve();
      });
      const device = await shadowDevice(d);
      await device.send({ method: 'update', state: { reported: { on: true } } });
      await appUpdate(d, { method: 'update', state: { desired: { on: false } } });
      await waitFor(() => events.length === 2, { what: 'two change events' });
      expect(events).toEqual([
        expect.objectContaining({
          productKey: d.productKey,
          version: 1,
          source: 'device',
          method: 'update',
          state: { reported: { on: true } },
        }),
        expect.objectContaining({
          version: 2,
          source: 'application',
          state: { reported: { on: true }, desired: { on: false } },
        }),
      ]);
    } finally {
      await bus.close();
    }
  });
});
