import { connect } from '@nats-io/transport-node';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TslEvents, type DownlinkReplyEvent } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { LAMP_MODEL } from '../support/models';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';

let platform: TestPlatform;
let api: ApiClient;
let bus: Bus;
const clients: MqttClient[] = [];

// A platform of its own: this test restarts every process.
beforeAll(async () => {
  platform = await startTestPlatform();
  api = new ApiClient(platform.info.baseUrl, platform.info.apiKey);
  bus = new Bus(await connect({ servers: platform.info.natsUrl }), platform.info.busNamespace);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  await bus?.close();
  await platform?.stop();
});

describe('queued commands across a restart of every platform process', () => {
  it('survive it, are delivered in order when the device comes, and the reply reaches the data-exchange topic', async () => {
    const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'restart' });
    await api.ok('PUT', `/v1/products/${productKey}/thing-model`, LAMP_MODEL);
    const d = await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
    const base = `/v1/products/${productKey}/devices/${d.deviceName}`;
    const command = await api.ok<{ commandId: string; status: string }>('POST', `${base}/services/Reboot`, {
      args: { delay: 3 },
      mode: 'async',
    });
    const message = await api.ok<{ commandId: string }>('POST', `${base}/messages`, {
      topic: `/${productKey}/${d.deviceName}/user/get`,
      payload: 'after-restart',
    });
    expect(command.status).toBe('PENDING');

    await platform.running.restartAll();
    expect(await api.ok('GET', `/v1/commands/${command.commandId}`)).toMatchObject({ status: 'PENDING' });

    const replies: DownlinkReplyEvent[] = [];
    await bus.consume(TslEvents.downlinkReply, { durable: `test-replies-${d.deviceName}`, deliver: 'new' }, (e) => {
      replies.push(e);
      return Promise.resolve();
    });
    const client = await connectDevice(platform.info.mqttUrl, signedConnectOptions(d));
    clients.push(client);
    const inbox: { topic: string; text: string }[] = [];
    client.on('message', (topic, payload) => inbox.push({ topic, text: payload.toString() }));
    await client.subscribeAsync(
      [`/sys/${productKey}/${d.deviceName}/thing/service/Reboot`, `/${productKey}/${d.deviceName}/user/get`],
      { qos: 1 },
    );
    await waitFor(() => inbox.length === 2, { what: 'both queued items' });
    expect(JSON.parse(inbox[0].text)).toMatchObject({ id: command.commandId, params: { delay: 3 } });
    expect(inbox[1].text).toBe('after-restart');
    await waitFor(
      async () => (await api.ok<{ status: string }>('GET', `/v1/commands/${message.commandId}`)).status === 'DELIVERED',
      { what: 'message DELIVERED' },
    );

    await client.publishAsync(
      `/sys/${productKey}/${d.deviceName}/thing/service/Reboot_reply`,
      JSON.stringify({ id: command.commandId, code: 200, data: {} }),
      { qos: 1 },
    );
    await waitFor(() => replies.length === 1, { what: 'the reply on the data-exchange topic' });
    expect(replies[0]).toMatchObject({
      productKey,
      deviceName: d.deviceName,
      commandId: command.commandId,
      reply: { code: 200 },
    });
    expect(await api.ok('GET', `/v1/commands/${command.commandId}`)).toMatchObject({ status: 'SUCCEEDED' });
  });
});

describe('persistent MQTT sessions across a restart of apps/bridge (kept in Redis)', () => {
  it('keep their subscriptions and take a command queued meanwhile; the device gets it without subscribing', async () => {
    const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'sessions' });
    const d = await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
    const topic = `/${productKey}/${d.deviceName}/user/get`;
    // The official SDK reconnects with the same clientId and never subscribes again (sdk-compat §2.9).
    const sameSession = () =>
      signedConnectOptions(d, { clientId: `${d.deviceName}-s`, timestamp: '1700000000000', clean: false });
    const first = await connectDevice(platform.info.mqttUrl, sameSession());
    await first.subscribeAsync(topic, { qos: 1 });
    await first.endAsync();

    await platform.running.stopApp('bridge');
    await platform.running.startApp('bridge');

    const sent = await api.ok<{ commandId: string; status: string }>(
      'POST',
      `/v1/products/${productKey}/devices/${d.deviceName}/messages`,
      {
        topic,
        payload: 'kept for you',
      },
    );
    // The stored session subscribes to the topic: the broker queues it for the device.
    expect(sent.status).toBe('DELIVERED');

    // Listening before the CONNACK: the queued message follows it at once.
    const inbox: string[] = [];
    let sessionPresent: boolean | undefined;
    const again = mqtt.connect(platform.info.mqttUrl, sameSession());
    clients.push(again);
    again.on('message', (_topic, payload) => inbox.push(payload.toString()));
    again.once('connect', (ack) => (sessionPresent = ack.sessionPresent));
    await waitFor(() => inbox.length === 1, { what: 'the queued message' });
    expect(inbox).toEqual(['kept for you']);
    expect(sessionPresent).toBe(true);
  });
});
