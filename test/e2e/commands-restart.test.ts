import { connect } from '@nats-io/transport-node';
import type { MqttClient } from 'mqtt';
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
