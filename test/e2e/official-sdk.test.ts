import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BridgeRpc, BridgeSignals } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, waitFor, type DeviceIdentity } from '@iot/testing';
import { LAMP_MODEL } from '../support/models';

// The official Alibaba Cloud device SDK, unmodified (sdk-compat.md §2): only brokerUrl/registerURL point here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const iot = require('alibabacloud-iot-device-sdk') as AlibabaIotSdk;

interface SdkDevice {
  on(event: 'connect' | 'offline' | 'close', cb: () => void): void;
  getShadow(): void;
  postShadow(reported: Record<string, unknown>): void;
  deleteShadow(keys?: string | string[]): void;
  onShadow(cb: (message: ShadowMessage) => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  onProps(cb: (msg: { params: Record<string, unknown> }) => void): void;
  postProps(params: Record<string, unknown>, cb?: (res: { id: string; code: number }) => void): void;
  postEvent(name: string, params: Record<string, unknown>, cb?: (res: { id: string; code: number }) => void): void;
  onService(
    name: string,
    cb: (
      res: { id: string; params: Record<string, unknown> },
      reply: (body: Record<string, unknown>, type?: 'sync') => void,
    ) => void,
  ): void;
  end(force?: boolean, cb?: () => void): void;
}
interface AlibabaIotSdk {
  device(config: Record<string, unknown>): SdkDevice;
  register(
    config: Record<string, unknown>,
    cb: (res: { code?: number; data?: Record<string, string>; message?: string }) => void,
  ): void;
}

interface ShadowMessage {
  method: string;
  payload: { status: string; version?: number; state?: Record<string, Record<string, unknown>> };
}

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const devices: SdkDevice[] = [];
let bus: Bus;
let nc: NatsConnection;

beforeAll(async () => {
  nc = await connect({ servers: platform.natsUrl });
  bus = new Bus(nc, platform.busNamespace);
});

afterAll(async () => {
  for (const d of devices) d.end(true);
  await bus.close();
});

async function newDevice(options: { dynamicRegistration?: boolean } = {}) {
  const product = await api.ok<{ productKey: string; productSecret: string }>('POST', '/v1/products', {
    name: 'sdk',
    ...options,
  });
  const device = await api.ok<DeviceIdentity>('POST', `/v1/products/${product.productKey}/devices`, {});
  return { product, device };
}

function sdkDevice(d: DeviceIdentity): SdkDevice {
  const device = iot.device({
    productKey: d.productKey,
    deviceName: d.deviceName,
    deviceSecret: d.deviceSecret,
    brokerUrl: platform.mqttUrl,
  });
  devices.push(device);
  return device;
}

const statusOf = async (d: DeviceIdentity) =>
  (await api.ok<{ status: string }>('GET', `/v1/products/${d.productKey}/devices/${d.deviceName}`)).status;

describe('alibabacloud-iot-device-sdk 1.2.8, unmodified', () => {
  it('connects with brokerUrl, goes online, and keeps receiving property sets after a reconnect without re-subscribing', async () => {
    const { device } = await newDevice();
    const sdk = sdkDevice(device);
    let connects = 0;
    sdk.on('connect', () => connects++);
    const props: Record<string, unknown>[] = [];
    sdk.onProps((msg) => props.push(msg.params));
    await waitFor(() => connects === 1, { what: 'SDK connected' });
    await waitFor(async () => (await statusOf(device)) === 'online', { what: 'online' });

    const topic = `/sys/${device.productKey}/${device.deviceName}/thing/service/property/set`;
    const set = (params: Record<string, unknown>) =>
      bus.request(BridgeRpc.publish, {
        topic,
        payload: Buffer.from(
          JSON.stringify({ id: '1', version: '1.0', params, method: 'thing.service.property.set' }),
        ).toString('base64'),
        qos: 1,
      });
    await waitFor(async () => (await set({ LightSwitch: 1 })).delivered, { what: 'SDK subscribed to property/set' });
    await waitFor(() => props.some((p) => p.LightSwitch === 1), { what: 'first property set' });

    // The server drops the connection (the session is kept); the SDK reconnects with the same CONNECT and no SUBSCRIBE.
    bus.emit(BridgeSignals.kick, { productKey: device.productKey, deviceName: device.deviceName, reason: 'replaced' });
    await waitFor(() => connects === 2, { what: 'SDK reconnected', timeoutMs: 15_000 });
    expect((await set({ LightSwitch: 0 })).delivered).toBe(true);
    await waitFor(() => props.some((p) => p.LightSwitch === 0), { what: 'property set after reconnect' });
  });

  it('registers dynamically with the ProductSecret through registerURL, once', async () => {
    const { product, device } = await newDevice({ dynamicRegistration: true });
    const register = () =>
      new Promise<{ code?: number; data?: Record<string, string> }>((resolve) =>
        iot.register(
          {
            productKey: product.productKey,
            productSecret: product.productSecret,
            deviceName: device.deviceName,
            registerURL: `${platform.deviceHttpUrl}/auth/register/device`,
          },
          resolve,
        ),
      );
    const first = await register();
    expect(first).toEqual({
      code: 200,
      data: { productKey: product.productKey, deviceName: device.deviceName, deviceSecret: device.deviceSecret },
      message: 'success',
    });
    const second = await register();
    expect(second.code).toBe(6289);
  });

  it('getShadow, postShadow (epoch-ms versions, several in one millisecond), deleteShadow and onShadow', async () => {
    const { device } = await newDevice();
    const sdk = sdkDevice(device);
    const inbox: ShadowMessage[] = [];
    sdk.onShadow((m) => inbox.push(m));
    let connected = false;
    sdk.on('connect', () => (connected = true));
    await waitFor(() => connected, { what: 'SDK connected' });
    const replies = () => inbox.filter((m) => m.method === 'reply');
    // The SDK subscribes to /shadow/get on connect; its first get may race that SUBSCRIBE, so ask until answered.
    await waitFor(
      () => {
        if (replies().length === 0) sdk.getShadow();
        return replies().length > 0;
      },
      { what: 'get reply', intervalMs: 200 },
    );
    expect(replies()[0].payload).toEqual({ status: 'success', state: {}, metadata: {}, version: 0 });

    // Three reports in a row: with Date.now() versions, some share a millisecond. None may be refused.
    sdk.postShadow({ a: 1 });
    sdk.postShadow({ b: 2 });
    sdk.postShadow({ c: 3 });
    await waitFor(() => replies().length === 4, { what: 'three update replies' });
    expect(
      replies()
        .slice(1)
        .map((r) => r.payload.status),
    ).toEqual(['success', 'success', 'success']);
    const versions = replies()
      .slice(1)
      .map((r) => r.payload.version!);
    expect(versions[0]).toBeLessThan(versions[1]);
    expect(versions[1]).toBeLessThan(versions[2]);

    // The application changes desired: the SDK gets the control through onShadow.
    const path = `/v1/products/${device.productKey}/devices/${device.deviceName}/shadow`;
    await api.ok('POST', path, { shadowMessage: JSON.stringify({ method: 'update', state: { desired: { a: 10 } } }) });
    const control = await waitFor(() => inbox.find((m) => m.method === 'control'), { what: 'control' });
    expect(control.payload.state).toMatchObject({
      desired: { a: 10 },
      reported: { a: 1, b: 2, c: 3 },
      delta: { a: 10 },
    });

    sdk.deleteShadow('b');
    await waitFor(() => replies().length === 5, { what: 'delete reply' });
    sdk.deleteShadow(['a', 'c']);
    await waitFor(() => replies().length === 6, { what: 'second delete reply' });
    expect(
      replies()
        .slice(4)
        .map((r) => r.payload.status),
    ).toEqual(['success', 'success']);
    const shadow = await api.ok<{ state: Record<string, unknown> }>('GET', path);
    expect(shadow.state).toEqual({ desired: { a: 10 }, delta: { a: 10 } });
    sdk.deleteShadow();
    await waitFor(() => replies().length === 7, { what: 'delete-all reply' });
    expect(replies()[6].payload.status).toBe('success');
  });

  it('postProps, postEvent, onProps and onService (async and RRPC) against the thing model', async () => {
    const { device } = await newDevice();
    await api.ok('PUT', `/v1/products/${device.productKey}/thing-model`, LAMP_MODEL);
    const sdk = sdkDevice(device);
    const props: Record<string, unknown>[] = [];
    sdk.onProps((m) => props.push(m.params));
    const calls: string[] = [];
    sdk.onService('Reboot', (res, reply) => {
      calls.push(`Reboot:${JSON.stringify(res.params)}`);
      reply({ code: 200, data: {} }); // no id: the SDK makes one up (sdk-compat.md §2.5)
    });
    sdk.onService('Ping', (res, reply) => {
      calls.push('Ping');
      reply({ id: res.id, code: 200, data: { pong: 'sdk' } }, 'sync');
    });
    let connected = false;
    sdk.on('connect', () => (connected = true));
    await waitFor(() => connected, { what: 'SDK connected' });

    const postReplies: { id: string; code: number }[] = [];
    // The SDK's subscriptions race its first publish: post until the reply comes back.
    await waitFor(
      () => {
        if (postReplies.length === 0) sdk.postProps({ LightSwitch: 1, Brightness: 40 }, (r) => postReplies.push(r));
        return postReplies.length > 0;
      },
      { what: 'postProps reply', intervalMs: 300 },
    );
    expect(postReplies[0]).toMatchObject({ code: 200, id: expect.stringContaining('|exp-topic|') });
    const latest = await api.ok<{ identifier: string; value: unknown }[]>(
      'GET',
      `/v1/products/${device.productKey}/devices/${device.deviceName}/properties`,
    );
    expect(latest.map((p) => [p.identifier, p.value])).toEqual([
      ['Brightness', 40],
      ['LightSwitch', 1],
    ]);

    const eventReply = await new Promise<{ code: number }>((resolve) =>
      sdk.postEvent('lowpower', { power: 10 }, resolve),
    );
    expect(eventReply.code).toBe(200);

    const base = `/v1/products/${device.productKey}/devices/${device.deviceName}`;
    await api.ok('POST', `${base}/properties`, { items: { Brightness: 80 } });
    await waitFor(() => props.some((p) => p.Brightness === 80), { what: 'onProps' });

    const reboot = await api.ok<{ commandId: string }>('POST', `${base}/services/Reboot`, {
      args: { delay: 1 },
      mode: 'async',
    });
    await waitFor(
      async () => (await api.ok<{ status: string }>('GET', `/v1/commands/${reboot.commandId}`)).status === 'SUCCEEDED',
      {
        what: 'async service settled by the SDK reply',
      },
    );
    const ping = await api.call<{ status: string; reply: unknown }>('POST', `${base}/services/Ping`, {
      mode: 'sync',
      timeoutMs: 5_000,
    });
    expect(ping).toMatchObject({
      status: 200,
      body: { status: 'SUCCEEDED', reply: { code: 200, data: { pong: 'sdk' } } },
    });
    expect(calls).toEqual(['Reboot:{"delay":1}', 'Ping']);
  });
});
