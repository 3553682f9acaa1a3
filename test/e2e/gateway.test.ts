import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hmacHex, signContent } from '@iot/protocol';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { LAMP_MODEL } from '../support/models';

// The official SDK's gateway API, unmodified (sdk-compat.md §2.6).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const iot = require('alibabacloud-iot-device-sdk') as {
  gateway(config: Record<string, unknown>): SdkGateway;
};
interface Reply {
  id: string;
  code: number;
  data?: unknown;
  message?: string;
}
interface SdkSubDevice {
  on(event: 'connect', cb: () => void): void;
  on(event: 'error', cb: (e: unknown) => void): void;
  postProps(params: Record<string, unknown>, cb?: (r: Reply) => void): void;
  onProps(cb: (m: { params: Record<string, unknown> }) => void): void;
  postShadow(reported: Record<string, unknown>): void;
}
interface SdkGateway {
  on(event: 'connect', cb: () => void): void;
  addTopo(devices: DeviceIdentity[], cb: (r: Reply) => void): void;
  getTopo(cb: (r: Reply) => void): void;
  removeTopo(devices: { productKey: string; deviceName: string }[], cb: (r: Reply) => void): void;
  regiestSubDevice(device: { productKey: string; deviceName: string }, cb: (r: Reply) => void): void;
  login(device: DeviceIdentity, cb: (r: Reply) => void): SdkSubDevice;
  logout(device: { productKey: string; deviceName: string }, cb: (r: Reply) => void): void;
  end(force?: boolean): void;
}

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const gateways: SdkGateway[] = [];
const clients: MqttClient[] = [];

afterAll(() => {
  for (const g of gateways) g.end(true);
  for (const c of clients) c.end(true);
});

async function fleet() {
  const gwProduct = await api.ok<{ productKey: string }>('POST', '/v1/products', {
    name: 'gateway',
    nodeType: 'gateway',
  });
  const subProduct = await api.ok<{ productKey: string }>('POST', '/v1/products', {
    name: 'sub',
    dynamicRegistration: true,
  });
  await api.ok('PUT', `/v1/products/${subProduct.productKey}/thing-model`, LAMP_MODEL);
  const gateway = await api.ok<DeviceIdentity>('POST', `/v1/products/${gwProduct.productKey}/devices`, {});
  const sub1 = await api.ok<DeviceIdentity>('POST', `/v1/products/${subProduct.productKey}/devices`, {});
  const sub2 = await api.ok<DeviceIdentity>('POST', `/v1/products/${subProduct.productKey}/devices`, {});
  return { gateway, sub1, sub2 };
}

const call = <T>(fn: (cb: (r: T) => void) => void) => new Promise<T>((resolve) => fn(resolve));
const statusOf = async (d: { productKey: string; deviceName: string }) =>
  (await api.ok<{ status: string }>('GET', `/v1/products/${d.productKey}/devices/${d.deviceName}`)).status;
const triple = (d: DeviceIdentity) => ({
  productKey: d.productKey,
  deviceName: d.deviceName,
  deviceSecret: d.deviceSecret,
});

async function sdkGateway(d: DeviceIdentity): Promise<SdkGateway> {
  const gw = iot.gateway({ ...triple(d), brokerUrl: platform.mqttUrl });
  gateways.push(gw);
  await new Promise<void>((resolve) => gw.on('connect', () => resolve()));
  return gw;
}

describe('gateways and sub-devices with the official SDK', () => {
  it('addTopo, getTopo, login; the sub-device posts, gets property sets and has a shadow through the gateway; logout; removeTopo', async () => {
    const { gateway, sub1 } = await fleet();
    const gw = await sdkGateway(gateway);
    expect((await call<Reply>((cb) => gw.addTopo([triple(sub1)], cb))).code).toBe(200);
    const topo = await call<Reply>((cb) => gw.getTopo(cb));
    expect(topo).toMatchObject({ code: 200, data: [{ productKey: sub1.productKey, deviceName: sub1.deviceName }] });

    let sub!: SdkSubDevice;
    const login = await call<Reply>((cb) => (sub = gw.login(triple(sub1), cb)));
    expect(login).toMatchObject({ code: 200, message: 'success' });
    await waitFor(async () => (await statusOf(sub1)) === 'online', { what: 'sub-device online' });

    const post = await call<Reply>((cb) => sub.postProps({ LightSwitch: 1 }, cb));
    expect(post.code).toBe(200);
    const latest = await api.ok<{ identifier: string; value: unknown }[]>(
      'GET',
      `/v1/products/${sub1.productKey}/devices/${sub1.deviceName}/properties`,
    );
    expect(latest).toEqual([{ identifier: 'LightSwitch', value: 1, time: expect.any(Number) }]);

    const props: Record<string, unknown>[] = [];
    sub.onProps((m) => props.push(m.params));
    await api.ok('POST', `/v1/products/${sub1.productKey}/devices/${sub1.deviceName}/properties`, {
      items: { Brightness: 70 },
    });
    await waitFor(() => props.some((p) => p.Brightness === 70), { what: 'property set routed through the gateway' });

    sub.postShadow({ color: 'blue' });
    await waitFor(
      async () => {
        const shadow = await api.ok<{ state: { reported?: { color?: string } } }>(
          'GET',
          `/v1/products/${sub1.productKey}/devices/${sub1.deviceName}/shadow`,
        );
        return shadow.state.reported?.color === 'blue';
      },
      { what: 'sub-device shadow' },
    );

    expect(
      (await call<Reply>((cb) => gw.logout({ productKey: sub1.productKey, deviceName: sub1.deviceName }, cb))).code,
    ).toBe(200);
    await waitFor(async () => (await statusOf(sub1)) === 'offline', { what: 'sub-device offline after logout' });
    expect(
      (await call<Reply>((cb) => gw.logout({ productKey: sub1.productKey, deviceName: sub1.deviceName }, cb))).code,
    ).toBe(520);

    expect(
      (await call<Reply>((cb) => gw.removeTopo([{ productKey: sub1.productKey, deviceName: sub1.deviceName }], cb)))
        .code,
    ).toBe(200);
    const again = await call<Reply>((cb) => gw.login(triple(sub1), cb));
    expect(again.code).toBe(6401);
  });

  it('regiestSubDevice issues the secret of a pre-registered sub-device once', async () => {
    const { gateway, sub2 } = await fleet();
    const gw = await sdkGateway(gateway);
    const registered = await call<Reply>((cb) =>
      gw.regiestSubDevice({ productKey: sub2.productKey, deviceName: sub2.deviceName }, cb),
    );
    expect(registered).toMatchObject({
      code: 200,
      data: [
        {
          productKey: sub2.productKey,
          deviceName: sub2.deviceName,
          deviceSecret: sub2.deviceSecret,
          iotId: expect.any(String),
        },
      ],
    });
    expect(
      (await call<Reply>((cb) => gw.regiestSubDevice({ productKey: sub2.productKey, deviceName: sub2.deviceName }, cb)))
        .code,
    ).toBe(6289);
  });

  it('refuses a bad signature (6287) and a self-referencing topology (6402)', async () => {
    const { gateway, sub1 } = await fleet();
    const gw = await sdkGateway(gateway);
    expect((await call<Reply>((cb) => gw.addTopo([triple(gateway)], cb))).code).toBe(6402);
    expect((await call<Reply>((cb) => gw.addTopo([{ ...triple(sub1), deviceSecret: 'f'.repeat(32) }], cb))).code).toBe(
      401,
    );
    expect((await call<Reply>((cb) => gw.addTopo([triple(sub1)], cb))).code).toBe(200);
    expect((await call<Reply>((cb) => gw.login({ ...triple(sub1), deviceSecret: 'f'.repeat(32) }, cb))).code).toBe(
      6287,
    );
  });
});

describe('gateways over raw MQTT', () => {
  /** A gateway that records everything it receives on the topics it subscribes to. */
  async function rawGateway(gateway: DeviceIdentity) {
    const client = await connectDevice(platform.mqttUrl, signedConnectOptions(gateway));
    clients.push(client);
    const inbox: { topic: string; body: Record<string, unknown> }[] = [];
    client.on('message', (topic, payload) =>
      inbox.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }),
    );
    const ext = `/ext/session/${gateway.productKey}/${gateway.deviceName}/combine`;
    await client.subscribeAsync(
      [
        `${ext}/login_reply`,
        `${ext}/logout_reply`,
        `/ext/error/${gateway.productKey}/${gateway.deviceName}`,
        `/sys/${gateway.productKey}/${gateway.deviceName}/thing/topo/add_reply`,
      ],
      { qos: 1 },
    );
    const request = async (topic: string, body: unknown) => {
      const before = inbox.length;
      await client.publishAsync(topic, JSON.stringify(body), { qos: 1 });
      return waitFor(() => inbox.slice(before).find((m) => m.topic === `${topic}_reply`), { what: `${topic}_reply` });
    };
    const sys = (path: string) => `/sys/${gateway.productKey}/${gateway.deviceName}/${path}`;
    const signed = (d: DeviceIdentity, extra: Record<string, string> = {}) => {
      const params = {
        productKey: d.productKey,
        deviceName: d.deviceName,
        clientId: `${d.productKey}&${d.deviceName}`,
        timestamp: String(Date.now()),
        ...extra,
      };
      return {
        ...params,
        signMethod: 'hmacmd5',
        sign: hmacHex('hmacmd5', d.deviceSecret, signContent(params, ['sign', 'signmethod'])),
      };
    };
    const addTopo = (d: DeviceIdentity) =>
      request(sys('thing/topo/add'), { id: 't', version: '1.0', params: [signed(d)], method: 'thing.topo.add' });
    const login = (d: DeviceIdentity) =>
      request(`${ext}/login`, { id: 'l', params: signed(d, { cleanSession: 'true' }) });
    return { client, inbox, request, addTopo, login, ext };
  }

  it('takes the sub-devices offline when the gateway drops, and tells the gateway about a disabled sub-device (522)', async () => {
    const { gateway, sub1, sub2 } = await fleet();
    const gw = await rawGateway(gateway);
    for (const sub of [sub1, sub2]) {
      expect((await gw.addTopo(sub)).body.code).toBe(200);
      expect((await gw.login(sub)).body).toEqual({ id: 'l', code: 200, message: 'success', data: '' });
    }
    await waitFor(async () => (await statusOf(sub1)) === 'online' && (await statusOf(sub2)) === 'online', {
      what: 'both online',
    });

    // A disabled sub-device: the gateway hears thing/disable (subscribed on its behalf) and 522.
    await gw.client.subscribeAsync(`/sys/${sub2.productKey}/${sub2.deviceName}/thing/disable`, { qos: 1 });
    await api.ok('POST', `/v1/products/${sub2.productKey}/devices/${sub2.deviceName}/disable`);
    await waitFor(() => gw.inbox.some((m) => m.topic.endsWith('/thing/disable')), { what: 'thing/disable notice' });
    const forced = await waitFor(
      () => gw.inbox.find((m) => m.topic === `${gw.ext}/logout_reply` && m.body.code === 522),
      { what: '522' },
    );
    expect(forced.body).toMatchObject({ code: 522, message: 'device forbidden' });
    await waitFor(async () => (await statusOf(sub2)) === 'offline', { what: 'disabled sub-device offline' });
    expect((await gw.login(sub2)).body.code).toBe(522);

    // Publishing for a sub-device without a session: 520 on /ext/error.
    await gw.client.publishAsync(
      `/sys/${sub2.productKey}/${sub2.deviceName}/thing/event/property/post`,
      JSON.stringify({ id: 'x1', params: {} }),
      { qos: 1 },
    );
    await waitFor(
      () => gw.inbox.find((m) => m.topic.startsWith('/ext/error/') && m.body.id === 'x1' && m.body.code === 520),
      { what: '520' },
    );

    gw.client.end(true);
    await waitFor(async () => (await statusOf(sub1)) === 'offline', { what: 'sub-device offline with its gateway' });
  });

  it('kicks a sub-device session when the same sub-device connects directly (427)', async () => {
    const { gateway, sub1 } = await fleet();
    const gw = await rawGateway(gateway);
    await gw.addTopo(sub1);
    await gw.login(sub1);
    await waitFor(async () => (await statusOf(sub1)) === 'online', { what: 'online through the gateway' });
    const direct = await connectDevice(platform.mqttUrl, signedConnectOptions(sub1));
    clients.push(direct);
    const forced = await waitFor(
      () => gw.inbox.find((m) => m.topic === `${gw.ext}/logout_reply` && m.body.code === 427),
      { what: '427' },
    );
    expect(forced.body.message).toBe('device connect in elsewhere');
    expect(direct.connected).toBe(true);
  });

  it('keeps device tags reported with thing/deviceinfo (TF-39)', async () => {
    const { sub1: device } = await fleet();
    const client = await connectDevice(platform.mqttUrl, signedConnectOptions(device));
    clients.push(client);
    const base = `/sys/${device.productKey}/${device.deviceName}/thing/deviceinfo`;
    const replies: Record<string, unknown>[] = [];
    client.on('message', (_t, p) => replies.push(JSON.parse(p.toString()) as Record<string, unknown>));
    await client.subscribeAsync([`${base}/update_reply`, `${base}/delete_reply`], { qos: 1 });
    const send = async (verb: string, params: unknown) => {
      const before = replies.length;
      await client.publishAsync(`${base}/${verb}`, JSON.stringify({ id: verb, version: '1.0', params }), { qos: 1 });
      return waitFor(() => replies[before], { what: `${verb}_reply` });
    };
    expect(
      (
        await send('update', [
          { attrKey: '_abc', attrValue: 'x' },
          { attrKey: 'room', attrValue: '42' },
        ])
      ).code,
    ).toBe(200);
    expect((await send('update', [{ attrKey: '1abc', attrValue: 'x' }])).code).toBe(460);
    expect((await send('update', [{ attrKey: 'a'.repeat(101), attrValue: 'x' }])).code).toBe(460);
    expect(
      (
        await send(
          'update',
          Array.from({ length: 201 }, (_, i) => ({ attrKey: `k${i}`, attrValue: 'v' })),
        )
      ).code,
    ).toBe(460);
    expect((await send('delete', [{ attrKey: '_abc' }])).code).toBe(200);
    const view = await api.ok<{ tags: Record<string, string> }>(
      'GET',
      `/v1/products/${device.productKey}/devices/${device.deviceName}`,
    );
    expect(view.tags).toEqual({ room: '42' });
  });
});

describe('lifecycle notices to directly connected devices', () => {
  it('sends thing/disable before closing the connection', async () => {
    const { sub1: device } = await fleet();
    const client = mqtt.connect(platform.mqttUrl, signedConnectOptions(device));
    clients.push(client);
    const got: string[] = [];
    client.on('message', (topic) => got.push(topic));
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    await client.subscribeAsync(`/sys/${device.productKey}/${device.deviceName}/thing/disable`, { qos: 1 });
    await api.ok('POST', `/v1/products/${device.productKey}/devices/${device.deviceName}/disable`);
    await waitFor(() => got.length === 1 && !client.connected, { what: 'notice, then kicked' });
  });
});

describe('remote configuration (protocol.md §7.1, §7.3) and topology through the API', () => {
  it('pulls (6710 before any, 6713 when disabled) and pushes a product configuration, served by signed link', async () => {
    const { sub1: device } = await fleet();
    const base = `/v1/products/${device.productKey}`;
    const client = await connectDevice(platform.mqttUrl, signedConnectOptions(device));
    clients.push(client);
    const sys = `/sys/${device.productKey}/${device.deviceName}/thing/config`;
    const inbox: { topic: string; body: Record<string, unknown> }[] = [];
    client.on('message', (topic, p) =>
      inbox.push({ topic, body: JSON.parse(p.toString()) as Record<string, unknown> }),
    );
    await client.subscribeAsync([`${sys}/get_reply`, `${sys}/push`], { qos: 1 });
    const pull = async () => {
      const before = inbox.length;
      await client.publishAsync(
        `${sys}/get`,
        JSON.stringify({
          id: 123,
          version: '1.0',
          params: { configScope: 'product', getType: 'file' },
          method: 'thing.config.get',
        }),
        { qos: 1 },
      );
      return waitFor(() => inbox.slice(before).find((m) => m.topic.endsWith('/get_reply')), {
        what: 'config/get_reply',
      });
    };
    expect((await pull()).body.code).toBe(6710);
    const file = JSON.stringify({ sampleRate: 5 });
    const stored = await api.ok<{ configId: string; size: number; sha256: string }>('PUT', `${base}/configs/device`, {
      content: Buffer.from(file).toString('base64'),
    });
    expect(stored.size).toBe(file.length);
    const reply = await pull();
    expect(reply.body).toMatchObject({
      id: 123,
      code: 200,
      data: {
        configId: stored.configId,
        configSize: file.length,
        sign: stored.sha256,
        signMethod: 'Sha256',
        getType: 'file',
      },
    });
    const url = (reply.body.data as { url: string }).url;
    const download = await fetch(url.replace(/^http:\/\/[^/]+/, platform.deviceHttpUrl));
    expect(await download.text()).toBe(file);
    expect((await fetch(`${platform.deviceHttpUrl}${new URL(url).pathname}?expires=1&signature=x`)).status).toBe(403);

    expect(await api.ok('POST', `${base}/configs/device/push`)).toMatchObject({ devices: 2, delivered: 1 });
    const push = await waitFor(() => inbox.find((m) => m.topic === `${sys}/push`), { what: 'config/push' });
    expect(push.body).toMatchObject({
      method: 'thing.config.push',
      params: { configId: stored.configId, signMethod: 'Sha256' },
    });

    await api.ok('PUT', `${base}/configs/device`, { content: Buffer.from(file).toString('base64'), enabled: false });
    expect((await pull()).body.code).toBe(6713);
  });

  it('pushes a gateway configuration on thing/model/config/push with a digest', async () => {
    const { gateway } = await fleet();
    const client = await connectDevice(platform.mqttUrl, signedConnectOptions(gateway));
    clients.push(client);
    const topic = `/sys/${gateway.productKey}/${gateway.deviceName}/thing/model/config/push`;
    const got: Record<string, unknown>[] = [];
    client.on('message', (_t, p) => got.push(JSON.parse(p.toString()) as Record<string, unknown>));
    await client.subscribeAsync(topic, { qos: 1 });
    const stored = await api.ok<{ sha256: string }>('PUT', `/v1/products/${gateway.productKey}/configs/gateway`, {
      content: Buffer.from('{"modelList":[]}').toString('base64'),
    });
    await api.ok('POST', `/v1/products/${gateway.productKey}/configs/gateway/push`);
    await waitFor(() => got.length === 1, { what: 'gateway config push' });
    expect(got[0]).toMatchObject({
      method: 'thing.model.config.push',
      data: { digest: stored.sha256, digestMethod: 'sha256', url: expect.stringContaining('/config/') },
    });
  });

  it('lists, adds and removes sub-devices through the API', async () => {
    const { gateway, sub1, sub2 } = await fleet();
    const path = `/v1/products/${gateway.productKey}/devices/${gateway.deviceName}/topology`;
    expect(await api.ok('GET', path)).toEqual([]);
    await api.ok('POST', path, { productKey: sub1.productKey, deviceName: sub1.deviceName });
    expect(await api.ok('POST', path, { productKey: sub2.productKey, deviceName: sub2.deviceName })).toHaveLength(2);
    expect(await api.ok('DELETE', `${path}/${sub1.productKey}/${sub1.deviceName}`)).toEqual([
      { productKey: sub2.productKey, deviceName: sub2.deviceName },
    ]);
    expect(await api.call('GET', `/v1/products/${sub1.productKey}/devices/${sub1.deviceName}/topology`)).toMatchObject({
      status: 400,
    });
  });
});
