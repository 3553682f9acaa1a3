import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BridgeRpc, BridgeSignals } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, waitFor, type DeviceIdentity } from '@iot/testing';

// The official Alibaba Cloud device SDK, unmodified (sdk-compat.md §2): only brokerUrl/registerURL point here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const iot = require('alibabacloud-iot-device-sdk') as AlibabaIotSdk;

interface SdkDevice {
  on(event: 'connect' | 'offline' | 'close', cb: () => void): void;
  on(event: 'error', cb: (e: Error) => void): void;
  onProps(cb: (msg: { params: Record<string, unknown> }) => void): void;
  postProps(params: Record<string, unknown>, cb?: (res: unknown) => void): void;
  end(force?: boolean, cb?: () => void): void;
}
interface AlibabaIotSdk {
  device(config: Record<string, unknown>): SdkDevice;
  register(
    config: Record<string, unknown>,
    cb: (res: { code?: number; data?: Record<string, string>; message?: string }) => void,
  ): void;
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
});
