import { createHash } from 'node:crypto';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CampaignDeviceView, CampaignView, FirmwareView, Page } from '@iot/contracts';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';

let platform: TestPlatform;
let api: ApiClient;
const clients: MqttClient[] = [];

// A platform of its own: this test stops apps/ota.
beforeAll(async () => {
  platform = await startTestPlatform();
  api = new ApiClient(platform.info.baseUrl, platform.info.apiKey);
}, 120_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  await platform?.stop();
});

interface Device {
  identity: DeviceIdentity;
  upgrades: { data: { version: string; url: string } }[];
  client: MqttClient;
  publish(verb: 'inform' | 'progress', params: Record<string, unknown>): Promise<void>;
}

async function online(identity: DeviceIdentity): Promise<Device> {
  const { productKey, deviceName } = identity;
  const client = await connectDevice(platform.info.mqttUrl, signedConnectOptions(identity));
  clients.push(client);
  const upgrades: Device['upgrades'] = [];
  client.on('message', (_t, payload) => upgrades.push(JSON.parse(payload.toString()) as Device['upgrades'][number]));
  await client.subscribeAsync(`/ota/device/upgrade/${productKey}/${deviceName}`, { qos: 1 });
  return {
    identity,
    upgrades,
    client,
    publish: async (verb, params) => {
      await client.publishAsync(`/ota/device/${verb}/${productKey}/${deviceName}`, JSON.stringify({ id: 1, params }), {
        qos: 1,
      });
    },
  };
}

describe('a campaign across a restart of apps/ota', () => {
  it('keeps its devices: one mid-update, one that reported in while apps/ota was down', async () => {
    const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'ota restart' });
    const [a, b] = [
      await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {}),
      await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {}),
    ];
    const bytes = Buffer.alloc(4096, 7);
    const res = await fetch(`${platform.info.baseUrl}/v1/firmware?productKey=${productKey}&version=2.0`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.info.apiKey}`, 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    expect(res.status).toBe(201);
    const fw = (await res.json()) as FirmwareView;
    expect(fw.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    const first = await online(a);
    await first.publish('inform', { version: '1.0' });
    const c = await api.ok<CampaignView>('POST', '/v1/ota/campaigns', { firmwareId: fw.id, selection: 'all' });
    await waitFor(() => first.upgrades[0], { what: 'the upgrade of the online device' });
    await first.publish('progress', { step: '50' });
    const job = async (name: string) =>
      (await api.ok<Page<CampaignDeviceView>>('GET', `/v1/ota/campaigns/${c.id}/devices`)).items.find(
        (j) => j.deviceName === name,
      );
    await waitFor(async () => (await job(a.deviceName))?.status === 'IN_PROGRESS', { what: 'IN_PROGRESS' });

    await platform.running.stopApp('ota');
    // While apps/ota is down: the second device comes for the first time and reports in; JetStream keeps it.
    const second = await online(b);
    await second.publish('inform', { version: '1.0' });
    await platform.running.startApp('ota');

    await waitFor(() => second.upgrades[0], { what: 'the upgrade of the device that came during the outage' });
    expect(second.upgrades[0].data.version).toBe('2.0');
    expect(await job(a.deviceName)).toMatchObject({ status: 'IN_PROGRESS', progress: 50, attempts: 1 });
    await first.publish('inform', { version: '2.0' });
    await second.publish('inform', { version: '2.0' });
    const done = await waitFor(
      async () => {
        const now = await api.ok<CampaignView>('GET', `/v1/ota/campaigns/${c.id}`);
        return now.status === 'COMPLETED' ? now : undefined;
      },
      { what: 'COMPLETED', timeoutMs: 15_000 },
    );
    expect(done.statistics).toMatchObject({ total: 2, succeeded: 2 });
    // No campaign runs with it any more: the firmware (and its file) can go.
    expect((await api.call('DELETE', `/v1/firmware/${fw.id}`)).status).toBe(204);
  });
});
