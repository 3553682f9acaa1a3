import type { MqttClient } from 'mqtt';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { LAMP_MODEL } from '../support/models';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const clients: MqttClient[] = [];

afterAll(() => {
  for (const c of clients) c.end(true);
});

async function lamp(): Promise<DeviceIdentity> {
  const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'lamp' });
  await api.ok('PUT', `/v1/products/${productKey}/thing-model`, LAMP_MODEL);
  return api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
}

interface Received {
  topic: string;
  body: Record<string, unknown>;
}

async function online(d: DeviceIdentity, subscribe: string[]) {
  const client = await connectDevice(platform.mqttUrl, signedConnectOptions(d));
  clients.push(client);
  const inbox: Received[] = [];
  client.on('message', (topic, payload) =>
    inbox.push({ topic, body: JSON.parse(payload.toString()) as Record<string, unknown> }),
  );
  if (subscribe.length) await client.subscribeAsync(subscribe, { qos: 1 });
  return { client, inbox };
}

const sys = (d: DeviceIdentity, path: string) => `/sys/${d.productKey}/${d.deviceName}/${path}`;
const devicePath = (d: DeviceIdentity, path: string) => `/v1/products/${d.productKey}/devices/${d.deviceName}/${path}`;

describe('thing model', () => {
  it('is validated when written: every problem with its path, nothing stored', async () => {
    const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'tsl' });
    const bad = await api.call<{ code: string; message: string }>('PUT', `/v1/products/${productKey}/thing-model`, {
      properties: [{ identifier: 'a', dataType: { type: 'int', specs: { min: 5, max: 1 } } }],
      services: [{ identifier: 'set' }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('THING_MODEL_INVALID');
    expect(bad.body.message).toContain('properties[0].dataType.specs.min');
    expect(bad.body.message).toContain('services[0].identifier');
    expect(await api.ok('GET', `/v1/products/${productKey}/thing-model`)).toMatchObject({
      properties: [],
      events: [],
      services: [],
    });
    await api.ok('PUT', `/v1/products/${productKey}/thing-model`, LAMP_MODEL);
    expect(await api.ok('GET', `/v1/products/${productKey}/thing-model`)).toMatchObject({
      properties: [{ identifier: 'LightSwitch' }, {}, {}],
      services: [{}, { callType: 'sync' }],
    });
  });
});

describe('device → platform', () => {
  it('property post: valid values kept as latest and history, unknown and invalid ones dropped with their reason, reply 200', async () => {
    const d = await lamp();
    const { client, inbox } = await online(d, [sys(d, 'thing/event/property/post_reply')]);
    const post = (id: string, params: unknown) =>
      client.publishAsync(
        sys(d, 'thing/event/property/post'),
        JSON.stringify({ id, version: '1.0', params, method: 'thing.event.property.post' }),
        { qos: 1 },
      );
    await post('1', {
      LightSwitch: 1,
      Temperature: { value: 21.5, time: 1_700_000_000_000 },
      Brightness: 300,
      Humidity: 40,
    });
    await post('2', { Temperature: { value: 22.5, time: 1_700_000_060_000 } });
    await waitFor(() => inbox.length === 2, { what: 'two replies' });
    expect(inbox[0]).toEqual({
      topic: sys(d, 'thing/event/property/post_reply'),
      body: { id: '1', code: 200, data: {}, message: 'success', method: 'thing.event.property.post', version: '1.0' },
    });

    const latest = await api.ok<{ identifier: string; value: unknown; time: number }[]>(
      'GET',
      devicePath(d, 'properties'),
    );
    expect(latest).toEqual([
      { identifier: 'LightSwitch', value: 1, time: expect.any(Number) },
      { identifier: 'Temperature', value: 22.5, time: 1_700_000_060_000 },
    ]);
    const history = await api.ok<{ items: { value: number }[]; nextCursor?: string }>(
      'GET',
      devicePath(d, 'properties/Temperature/history?limit=1'),
    );
    expect(history.items).toEqual([{ identifier: 'Temperature', value: 21.5, time: 1_700_000_000_000 }]);
    const next = await api.ok<{ items: { value: number }[]; nextCursor?: string }>(
      'GET',
      devicePath(d, `properties/Temperature/history?limit=1&cursor=${history.nextCursor}`),
    );
    expect(next.items.map((i) => i.value)).toEqual([22.5]);
    const ranged = await api.ok<{ items: unknown[] }>(
      'GET',
      devicePath(d, 'properties/Temperature/history?from=1700000030000'),
    );
    expect(ranged.items).toHaveLength(1);
    const dropped = await api.ok<{ items: { identifier: string; reason: string; value: unknown }[] }>(
      'GET',
      devicePath(d, 'dropped-values'),
    );
    expect(dropped.items.map((x) => [x.identifier, x.reason, x.value])).toEqual([
      ['Brightness', 'out of range', 300],
      ['Humidity', 'unknown identifier', 40],
    ]);
  });

  it('answers 6106 past 200 properties and 460 for a malformed request', async () => {
    const d = await lamp();
    const { client, inbox } = await online(d, [sys(d, 'thing/event/property/post_reply')]);
    const many = Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`p${i}`, i]));
    await client.publishAsync(
      sys(d, 'thing/event/property/post'),
      JSON.stringify({ id: '9', version: '1.0', params: many }),
      { qos: 1 },
    );
    await client.publishAsync(
      sys(d, 'thing/event/property/post'),
      JSON.stringify({ id: 10, version: '1.0', params: [1, 2] }),
      { qos: 1 },
    );
    await waitFor(() => inbox.length === 2, { what: 'replies' });
    expect(inbox.map((m) => [m.body.id, m.body.code])).toEqual([
      ['9', 6106],
      [10, 460],
    ]);
  });

  it('event post: a defined event is kept and listed, an unknown one refused with 460', async () => {
    const d = await lamp();
    const { client, inbox } = await online(d, [sys(d, 'thing/event/+/post_reply')]);
    await client.publishAsync(
      sys(d, 'thing/event/lowpower/post'),
      JSON.stringify({ id: '1', version: '1.0', params: { value: { power: 10 }, time: 1_700_000_000_000 } }),
      { qos: 1 },
    );
    await client.publishAsync(
      sys(d, 'thing/event/meltdown/post'),
      JSON.stringify({ id: '2', version: '1.0', params: {} }),
      { qos: 1 },
    );
    await waitFor(() => inbox.length === 2, { what: 'replies' });
    expect(inbox.map((m) => [m.topic.split('/').at(-2), m.body.code])).toEqual([
      ['lowpower', 200],
      ['meltdown', 460],
    ]);
    const events = await api.ok<{ items: unknown[] }>('GET', devicePath(d, 'events?identifier=lowpower'));
    expect(events.items).toEqual([
      { identifier: 'lowpower', type: 'alert', output: { power: 10 }, time: 1_700_000_000_000 },
    ]);
  });

  it('thing/dsltemplate/get answers the model with the device profile', async () => {
    const d = await lamp();
    const { client, inbox } = await online(d, [sys(d, 'thing/dsltemplate/get_reply')]);
    await client.publishAsync(
      sys(d, 'thing/dsltemplate/get'),
      JSON.stringify({ id: '5', version: '1.0', params: {}, method: 'thing.dsltemplate.get' }),
      { qos: 1 },
    );
    await waitFor(() => inbox.length === 1, { what: 'model' });
    expect(inbox[0].body).toMatchObject({
      id: '5',
      code: 200,
      data: { profile: { productKey: d.productKey, deviceName: d.deviceName }, properties: [{}, {}, {}] },
    });
  });
});

describe('platform → device: commands', () => {
  it('an async command for an offline device waits, is delivered after it connects and subscribes, and its reply settles it', async () => {
    const d = await lamp();
    const accepted = await api.call<{ commandId: string; status: string }>('POST', devicePath(d, 'services/Reboot'), {
      args: { delay: 5 },
      mode: 'async',
    });
    expect(accepted).toMatchObject({ status: 202, body: { status: 'PENDING' } });
    const { commandId } = accepted.body;
    expect(await api.ok('GET', `/v1/commands/${commandId}`)).toMatchObject({
      commandId,
      status: 'PENDING',
      kind: 'service',
      identifier: 'Reboot',
    });

    const { client, inbox } = await online(d, [sys(d, 'thing/service/Reboot')]);
    const request = await waitFor(() => inbox.find((m) => m.topic === sys(d, 'thing/service/Reboot')), {
      what: 'queued command delivered',
    });
    expect(request.body).toEqual({
      id: commandId,
      version: '1.0',
      params: { delay: 5 },
      method: 'thing.service.Reboot',
    });
    await waitFor(
      async () => (await api.ok<{ status: string }>('GET', `/v1/commands/${commandId}`)).status === 'DELIVERED',
      { what: 'DELIVERED' },
    );
    await client.publishAsync(
      sys(d, 'thing/service/Reboot_reply'),
      JSON.stringify({ id: commandId, code: 200, data: {} }),
      { qos: 1 },
    );
    const done = await waitFor(
      async () => {
        const c = await api.ok<{ status: string; reply?: unknown; repliedAt?: string }>(
          'GET',
          `/v1/commands/${commandId}`,
        );
        return c.status === 'SUCCEEDED' ? c : undefined;
      },
      { what: 'SUCCEEDED' },
    );
    expect(done.reply).toEqual({ id: commandId, code: 200, data: {} });
  });

  it('validates arguments against the model before anything is sent', async () => {
    const d = await lamp();
    const cases: [string, unknown][] = [
      ['services/Reboot', { args: { delay: 99 }, mode: 'async' }],
      ['services/Reboot', { args: { speed: 1 }, mode: 'async' }],
      ['services/Nope', { args: {}, mode: 'async' }],
      ['properties', { items: { Temperature: 20 } }],
      ['properties', { items: { Brightness: 'max' } }],
    ];
    for (const [path, body] of cases) {
      expect(await api.call('POST', devicePath(d, path), body)).toMatchObject({
        status: 400,
        body: { code: 'TSL_VALIDATION_FAILED' },
      });
    }
  });

  it('expires a command past its TTL, and cancels only while pending', async () => {
    const d = await lamp();
    const short = await api.ok<{ commandId: string }>('POST', devicePath(d, 'properties'), {
      items: { LightSwitch: 1 },
      ttlSeconds: 1,
    });
    await waitFor(
      async () => (await api.ok<{ status: string }>('GET', `/v1/commands/${short.commandId}`)).status === 'EXPIRED',
      { what: 'EXPIRED', timeoutMs: 8_000 },
    );
    const pending = await api.ok<{ commandId: string }>('POST', devicePath(d, 'properties'), {
      items: { Brightness: 50 },
    });
    expect(await api.ok('POST', `/v1/commands/${pending.commandId}/cancel`)).toMatchObject({ status: 'CANCELLED' });
    expect(await api.call('POST', `/v1/commands/${pending.commandId}/cancel`)).toMatchObject({
      status: 409,
      body: { code: 'COMMAND_NOT_CANCELLABLE' },
    });
    // Neither reaches the device when it connects.
    const { inbox } = await online(d, [sys(d, 'thing/service/property/set')]);
    const later = await api.call<{ status: string }>('POST', devicePath(d, 'properties'), {
      items: { Brightness: 60 },
    });
    expect(later.body.status).toBe('DELIVERED');
    await waitFor(() => inbox.length === 1, { what: 'the live one' });
    expect(inbox[0].body.params).toEqual({ Brightness: 60 });
    expect(await api.call('GET', '/v1/commands/000000000000000000')).toMatchObject({
      status: 404,
      body: { code: 'COMMAND_NOT_FOUND' },
    });
  });

  it('delivers queued commands and messages in creation order', async () => {
    const d = await lamp();
    const a = await api.ok<{ commandId: string }>('POST', devicePath(d, 'properties'), { items: { Brightness: 1 } });
    const m = await api.call<{ commandId: string }>('POST', devicePath(d, 'messages'), {
      topic: `/${d.productKey}/${d.deviceName}/user/get`,
      payload: '{"hello":1}',
    });
    expect(m.status).toBe(202);
    const b = await api.ok<{ commandId: string }>('POST', devicePath(d, 'properties'), { items: { Brightness: 2 } });
    const { inbox } = await online(d, [
      sys(d, 'thing/service/property/set'),
      `/${d.productKey}/${d.deviceName}/user/get`,
    ]);
    await waitFor(() => inbox.length === 3, { what: 'three deliveries' });
    expect(inbox.map((x) => x.body)).toEqual([
      expect.objectContaining({ id: a.commandId }),
      { hello: 1 },
      expect.objectContaining({ id: b.commandId }),
    ]);
    expect(
      await api.call('POST', devicePath(d, 'messages'), { topic: '/other/dev/user/get', payload: 'x' }),
    ).toMatchObject({ status: 400 });
  });

  it('sync RRPC: round trip, timeout, and a fast failure for an offline device', async () => {
    const d = await lamp();
    expect(await api.call('POST', devicePath(d, 'services/Ping'), { mode: 'sync' })).toMatchObject({
      status: 409,
      body: { code: 'DEVICE_OFFLINE' },
    });
    const { client } = await online(d, [sys(d, 'rrpc/request/+')]);
    await waitFor(
      async () =>
        (await api.ok<{ status: string }>('GET', `/v1/products/${d.productKey}/devices/${d.deviceName}`)).status ===
        'online',
      { what: 'online' },
    );
    let answer = true;
    client.on('message', (topic, payload) => {
      if (!answer || !topic.includes('/rrpc/request/')) return;
      const request = JSON.parse(payload.toString()) as { id: string };
      void client.publishAsync(
        topic.replace('/rrpc/request/', '/rrpc/response/'),
        JSON.stringify({ id: request.id, code: 200, data: { pong: 'hi' } }),
        { qos: 1 },
      );
    });
    const reply = await api.call<{ commandId: string; status: string; reply: unknown }>(
      'POST',
      devicePath(d, 'services/Ping'),
      { mode: 'sync', timeoutMs: 5_000 },
    );
    expect(reply).toMatchObject({
      status: 200,
      body: { status: 'SUCCEEDED', reply: { code: 200, data: { pong: 'hi' } } },
    });
    answer = false;
    const late = await api.call<{ code: string }>('POST', devicePath(d, 'services/Ping'), {
      mode: 'sync',
      timeoutMs: 1_000,
    });
    expect(late).toMatchObject({ status: 504, body: { code: 'COMMAND_TIMEOUT' } });
  });
});
