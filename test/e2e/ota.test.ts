import { createHash } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  OtaEvents,
  type CampaignDeviceView,
  type CampaignView,
  type CreateCampaignRequest,
  type DeviceView,
  type FirmwareView,
  type OtaProgressEvent,
  type Page,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);
const clients: MqttClient[] = [];
const campaignsCreated: string[] = [];
const firmwareCreated: string[] = [];
const progress: OtaProgressEvent[] = [];
let bus: Bus;

beforeAll(async () => {
  bus = new Bus(await connect({ servers: platform.natsUrl }), platform.busNamespace);
  await bus.consume(OtaEvents.progress, { durable: `test-ota-progress-${Date.now()}`, deliver: 'new' }, (e) => {
    progress.push(e);
    return Promise.resolve();
  });
});

afterAll(async () => {
  for (const c of clients) c.end(true);
  // Leave nothing running in the shared test database: campaigns end, firmware files go.
  for (const id of campaignsCreated) await api.call('POST', `/v1/ota/campaigns/${id}/cancel`);
  for (const id of firmwareCreated) await api.call('DELETE', `/v1/firmware/${id}`);
  await bus?.close();
});

/** Deterministic bytes (the same image in every run is stored once). */
function image(size: number, seed: string): Buffer {
  const out = Buffer.alloc(size);
  for (let offset = 0, i = 0; offset < size; offset += 32, i++)
    createHash('sha256').update(`${seed}:${i}`).digest().copy(out, offset);
  return out;
}

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function upload(
  query: Record<string, string>,
  body: Buffer | ReadableStream<Uint8Array>,
  contentType = 'application/octet-stream',
): Promise<{ status: number; body: FirmwareView & { code?: string; message?: string } }> {
  const res = await fetch(`${platform.baseUrl}/v1/firmware?${new URLSearchParams(query).toString()}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${platform.apiKey}`, 'content-type': contentType },
    body,
    duplex: 'half',
  });
  return { status: res.status, body: (await res.json()) as FirmwareView & { code?: string; message?: string } };
}

async function product(devices: number): Promise<{ productKey: string; devices: DeviceIdentity[] }> {
  const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'ota e2e' });
  const list: DeviceIdentity[] = [];
  for (let i = 0; i < devices; i++)
    list.push(await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {}));
  return { productKey, devices: list };
}

async function firmware(productKey: string, version: string, bytes: Buffer): Promise<FirmwareView> {
  const res = await upload({ productKey, version }, bytes);
  if (res.status !== 201) throw new Error(`upload → ${res.status} ${JSON.stringify(res.body)}`);
  firmwareCreated.push(res.body.id);
  return res.body;
}

async function campaign(body: CreateCampaignRequest): Promise<CampaignView> {
  const created = await api.ok<CampaignView>('POST', '/v1/ota/campaigns', body);
  campaignsCreated.push(created.id);
  return created;
}

const getCampaign = (id: string) => api.ok<CampaignView>('GET', `/v1/ota/campaigns/${id}`);

async function jobOf(campaignId: string, deviceName: string): Promise<CampaignDeviceView | undefined> {
  const page = await api.ok<Page<CampaignDeviceView>>('GET', `/v1/ota/campaigns/${campaignId}/devices?pageSize=200`);
  return page.items.find((j) => j.deviceName === deviceName);
}

const waitForJob = (campaignId: string, deviceName: string, check: (j: CampaignDeviceView) => boolean, what: string) =>
  waitFor(
    async () => {
      const job = await jobOf(campaignId, deviceName);
      return job && check(job) ? job : undefined;
    },
    { what, timeoutMs: 15_000 },
  );

const waitForCampaign = (id: string, check: (c: CampaignView) => boolean, what: string) =>
  waitFor(
    async () => {
      const c = await getCampaign(id);
      return check(c) ? c : undefined;
    },
    { what, timeoutMs: 15_000 },
  );

interface UpgradeMessage {
  code: string;
  id: number;
  message: string;
  data: { size: number; version: string; url: string; md5?: string; sign: string; signMethod: string };
}

/** A device as the C SDK's OTA module behaves: subscribes to its upgrade topic, informs, reports progress. */
class SimulatedDevice {
  readonly upgrades: UpgradeMessage[] = [];
  private client?: MqttClient;

  constructor(readonly identity: DeviceIdentity) {}

  get name(): string {
    return this.identity.deviceName;
  }

  async online(): Promise<this> {
    const { productKey, deviceName } = this.identity;
    this.client = await connectDevice(platform.mqttUrl, signedConnectOptions(this.identity));
    clients.push(this.client);
    this.client.on('message', (_topic, payload) =>
      this.upgrades.push(JSON.parse(payload.toString()) as UpgradeMessage),
    );
    await this.client.subscribeAsync(`/ota/device/upgrade/${productKey}/${deviceName}`, { qos: 1 });
    return this;
  }

  offline(): void {
    this.client?.end(true);
    this.client = undefined;
  }

  async inform(version: string): Promise<void> {
    await this.publish('inform', { id: 1, params: { version } });
  }

  async progress(step: string | number, desc?: string): Promise<void> {
    await this.publish('progress', { id: 1, params: { step, ...(desc ? { desc } : {}) } });
  }

  upgrade(n = 1): Promise<UpgradeMessage> {
    return waitFor(() => this.upgrades[n - 1], { what: `upgrade message ${n} to ${this.name}`, timeoutMs: 15_000 });
  }

  private async publish(verb: string, body: unknown): Promise<void> {
    if (!this.client) throw new Error(`${this.name} is offline`);
    const { productKey, deviceName } = this.identity;
    await this.client.publishAsync(`/ota/device/${verb}/${productKey}/${deviceName}`, JSON.stringify(body), { qos: 1 });
  }
}

async function onlineDevices(devices: DeviceIdentity[], version: string): Promise<SimulatedDevice[]> {
  const out: SimulatedDevice[] = [];
  for (const d of devices) {
    const device = await new SimulatedDevice(d).online();
    await device.inform(version);
    out.push(device);
  }
  // The platform knows each version before the campaign selects by version.
  for (const d of devices)
    await waitFor(
      async () =>
        (await api.ok<DeviceView>('GET', `/v1/products/${d.productKey}/devices/${d.deviceName}`)).firmwareVersion ===
        version,
      { what: `${d.deviceName} on ${version}` },
    );
  return out;
}

/** A barrier: once this progress event is published, everything the device sent before it has been handled. */
async function handled(device: SimulatedDevice): Promise<void> {
  const before = progress.length;
  await device.progress(0, 'barrier');
  await waitFor(() => progress.slice(before).some((e) => e.deviceName === device.name && e.desc === 'barrier'), {
    what: `${device.name}'s messages handled`,
  });
}

describe('firmware', () => {
  it('is uploaded as a stream with size, MD5 and SHA-256, listed, fetched, and refused when duplicated or damaged', async () => {
    const { productKey } = await product(0);
    const bytes = image(3 * 1024 * 1024 + 17, 'upload');
    const created = await upload({ productKey, version: '2.0.0', name: 'router fw', md5: md5(bytes) }, bytes);
    expect(created.status).toBe(201);
    firmwareCreated.push(created.body.id);
    expect(created.body).toMatchObject({
      productKey,
      version: '2.0.0',
      name: 'router fw',
      size: bytes.length,
      md5: md5(bytes),
      sha256: sha256(bytes),
    });
    expect(await api.ok('GET', `/v1/firmware/${created.body.id}`)).toEqual(created.body);
    expect(await api.ok<Page<FirmwareView>>('GET', `/v1/firmware?productKey=${productKey}`)).toMatchObject({
      items: [{ id: created.body.id }],
      total: 1,
    });

    const again = await upload({ productKey, version: '2.0.0' }, bytes);
    expect(again).toMatchObject({ status: 409, body: { code: 'FIRMWARE_ALREADY_EXISTS' } });
    const damaged = await upload({ productKey, version: '2.0.1', sha256: sha256(bytes) }, image(1000, 'other'));
    expect(damaged).toMatchObject({ status: 422, body: { code: 'FIRMWARE_CHECKSUM_MISMATCH' } });
    expect(await upload({ productKey, version: '2.0.2' }, Buffer.from('{}'), 'application/json')).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION_FAILED' },
    });
    expect(await upload({ productKey: 'a1NoSuchPKx', version: '1' }, bytes)).toMatchObject({
      status: 404,
      body: { code: 'PRODUCT_NOT_FOUND' },
    });
    expect(await upload({ productKey, version: 'has space' }, bytes)).toMatchObject({ status: 400 });

    expect((await api.call('DELETE', `/v1/firmware/${created.body.id}`)).status).toBe(204);
    expect(await api.call('GET', `/v1/firmware/${created.body.id}`)).toMatchObject({
      status: 404,
      body: { code: 'FIRMWARE_NOT_FOUND' },
    });
  });

  it('streams 100 MB through apps/api without buffering it', async () => {
    const { productKey } = await product(0);
    const size = 100 * 1024 * 1024;
    const block = image(1024 * 1024, 'large');
    const expected = createHash('sha256');
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= size) return controller.close();
        // A fresh copy each time: a server holding on to chunks would hold 100 MB.
        const chunk = Buffer.from(block);
        chunk.writeUInt32BE(sent / block.length, 0);
        expected.update(chunk);
        sent += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const rss = async () => {
      const text = await (await fetch(`${platform.baseUrl}/metrics`)).text();
      return Number(/^process_resident_memory_bytes\{[^}]*\} (\d+)/m.exec(text)?.[1]);
    };
    const before = await rss();
    const res = await upload({ productKey, version: 'big-1' }, body);
    expect(res.status).toBe(201);
    firmwareCreated.push(res.body.id);
    expect(res.body).toMatchObject({ size, sha256: expected.digest('hex') });
    expect((await rss()) - before).toBeLessThan(64 * 1024 * 1024);
    expect((await api.call('DELETE', `/v1/firmware/${res.body.id}`)).status).toBe(204);
  }, 60_000);
});

describe('a campaign', () => {
  it('upgrades an online device: exact upgrade message, ranged download with hash check, progress, new version → succeeded', async () => {
    const { productKey, devices } = await product(1);
    const bytes = image(1_234_567, 'flow');
    const fw = await firmware(productKey, '2.0.0', bytes);
    const [device] = await onlineDevices(devices, '1.0.0');
    expect(await api.ok('GET', `/v1/products/${productKey}/devices/${device.name}`)).toMatchObject({
      firmwareVersion: '1.0.0',
    });

    const c = await campaign({ firmwareId: fw.id, selection: 'versions', versions: ['1.0.0'], timeoutSeconds: 60 });
    expect(c).toMatchObject({ productKey, targetVersion: '2.0.0', status: 'RUNNING', statistics: { total: 1 } });
    const job = await jobOf(c.id, device.name);
    expect(job).toMatchObject({ status: 'PENDING', fromVersion: '1.0.0', currentVersion: '1.0.0' });

    const upgrade = await device.upgrade();
    expect(upgrade).toEqual({
      code: '1000',
      id: expect.any(Number),
      message: 'success',
      data: {
        size: bytes.length,
        version: '2.0.0',
        url: expect.any(String),
        md5: md5(bytes),
        sign: md5(bytes),
        signMethod: 'Md5',
      },
    });

    // Download in two ranges, as a device with little memory (or a broken link) would.
    const half = 600_000;
    const first = await fetch(upgrade.data.url, { headers: { range: `bytes=0-${half - 1}` } });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-${half - 1}/${bytes.length}`);
    expect(first.headers.get('accept-ranges')).toBe('bytes');
    expect(first.headers.get('etag')).toBe(`"${sha256(bytes)}"`);
    await device.progress('30');
    await waitForJob(c.id, device.name, (j) => j.status === 'IN_PROGRESS' && j.progress === 30, 'IN_PROGRESS 30');
    const second = await fetch(upgrade.data.url, { headers: { range: `bytes=${half}-` } });
    expect(second.status).toBe(206);
    expect(second.headers.get('content-range')).toBe(`bytes ${half}-${bytes.length - 1}/${bytes.length}`);
    const downloaded = Buffer.concat([Buffer.from(await first.arrayBuffer()), Buffer.from(await second.arrayBuffer())]);
    expect(downloaded.length).toBe(upgrade.data.size);
    expect(md5(downloaded)).toBe(upgrade.data.sign);
    expect(sha256(downloaded)).toBe(fw.sha256);

    const whole = await fetch(upgrade.data.url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get('content-length')).toBe(String(bytes.length));
    expect((await fetch(upgrade.data.url, { headers: { range: `bytes=${bytes.length}-` } })).status).toBe(416);
    const tampered = new URL(upgrade.data.url);
    tampered.searchParams.set('expires', String(Number(tampered.searchParams.get('expires')) + 1));
    expect((await fetch(tampered)).status).toBe(403);

    await device.progress(100);
    await waitForJob(c.id, device.name, (j) => j.progress === 100, 'progress 100');
    expect((await jobOf(c.id, device.name))?.status).toBe('IN_PROGRESS');
    // Rebooted on the new firmware: success is the new version, not 100 %.
    await device.inform('2.0.0');
    const done = await waitForJob(c.id, device.name, (j) => j.status === 'SUCCEEDED', 'SUCCEEDED');
    expect(done).toMatchObject({ progress: 100, attempts: 1, currentVersion: '2.0.0', errorCode: null });
    const finished = await waitForCampaign(c.id, (x) => x.status === 'COMPLETED', 'COMPLETED');
    expect(finished.statistics).toMatchObject({ total: 1, succeeded: 1, started: 1, failureRatePercent: 0 });
    await waitFor(
      async () =>
        (await api.ok<DeviceView>('GET', `/v1/products/${productKey}/devices/${device.name}`)).firmwareVersion ===
        '2.0.0',
      { what: 'firmwareVersion 2.0.0 on the device' },
    );
    const events = progress.filter((e) => e.campaignId === c.id);
    expect(events.map((e) => [e.status, e.step ?? null])).toEqual([
      ['IN_PROGRESS', 30],
      ['IN_PROGRESS', 100],
      ['SUCCEEDED', null],
    ]);
    expect(events[0]).toMatchObject({ productKey, deviceName: device.name, firmwareId: fw.id, targetVersion: '2.0.0' });
  });

  it('reaches a device that was offline at the start when it next connects and reports in', async () => {
    const { productKey, devices } = await product(2);
    const fw = await firmware(productKey, '3.0', image(50_000, 'offline'));
    const [online] = await onlineDevices([devices[0]], '1.0');
    const late = new SimulatedDevice(devices[1]); // never connected yet: version unknown
    const c = await campaign({ firmwareId: fw.id, selection: 'all', signMethod: 'SHA256' });
    expect(c.statistics.total).toBe(2);
    const upgrade = await online.upgrade();
    expect(upgrade.data).toEqual({
      size: 50_000,
      version: '3.0',
      url: expect.any(String),
      sign: fw.sha256,
      signMethod: 'SHA256',
    });
    await online.inform('3.0');
    await waitForJob(c.id, online.name, (j) => j.status === 'SUCCEEDED', 'the online device done');
    expect(await jobOf(c.id, late.name)).toMatchObject({ status: 'PENDING', fromVersion: null, attempts: 0 });

    await late.online();
    await late.inform('1.0');
    const lateUpgrade = await late.upgrade();
    expect(lateUpgrade.data).toMatchObject({ version: '3.0', sign: fw.sha256 });
    await late.progress(50);
    await late.inform('3.0');
    await waitForCampaign(c.id, (x) => x.status === 'COMPLETED', 'COMPLETED');
    expect(await jobOf(c.id, late.name)).toMatchObject({
      status: 'SUCCEEDED',
      fromVersion: null,
      currentVersion: '3.0',
    });
  });

  it('records a failing device with its reason, after its retries', async () => {
    const { productKey, devices } = await product(1);
    const fw = await firmware(productKey, '2.1', image(10_000, 'failing'));
    const [device] = await onlineDevices(devices, '2.0');
    const c = await campaign({ firmwareId: fw.id, selection: 'devices', deviceNames: [device.name], retries: 1 });
    await device.upgrade(1);
    await device.progress('-2', 'connection reset');
    // One retry: a second upgrade message, a second attempt.
    await device.upgrade(2);
    const retried = await waitForJob(c.id, device.name, (j) => j.attempts === 2, 'second attempt');
    expect(retried).toMatchObject({ status: 'PENDING', errorCode: -2, reason: '-2 download failed: connection reset' });
    await device.progress('20');
    await device.progress('-4', 'flash write error');
    const failed = await waitForJob(c.id, device.name, (j) => j.status === 'FAILED', 'FAILED');
    expect(failed).toMatchObject({ errorCode: -4, reason: '-4 installation failed: flash write error', attempts: 2 });
    const done = await waitForCampaign(c.id, (x) => x.status === 'COMPLETED', 'COMPLETED');
    expect(done.statistics).toMatchObject({ failed: 1, failureRatePercent: 100 });
    expect(progress.filter((e) => e.campaignId === c.id).map((e) => [e.status, e.step ?? null])).toEqual([
      ['PENDING', -2],
      ['IN_PROGRESS', 20],
      ['FAILED', -4],
    ]);
  });

  it('times a silent device out after the per-device timeout', async () => {
    const { productKey, devices } = await product(1);
    const fw = await firmware(productKey, '2.2', image(10_000, 'timeout'));
    const [device] = await onlineDevices(devices, '2.0');
    const c = await campaign({ firmwareId: fw.id, selection: 'all', timeoutSeconds: 2 });
    await device.upgrade();
    await device.progress(10);
    const timedOut = await waitForJob(c.id, device.name, (j) => j.status === 'TIMED_OUT', 'TIMED_OUT');
    expect(timedOut).toMatchObject({ progress: 10, reason: 'target version not reported within 2 s' });
    expect((await waitForCampaign(c.id, (x) => x.status === 'COMPLETED', 'COMPLETED')).statistics).toMatchObject({
      timedOut: 1,
    });
  });

  it('starts devices no faster than the rollout rate, and is cancelled with the devices still waiting', async () => {
    const { productKey, devices } = await product(2);
    const fw = await firmware(productKey, '2.3', image(10_000, 'rate'));
    const sims = await onlineDevices(devices, '2.0');
    const c = await campaign({ firmwareId: fw.id, selection: 'all', rolloutRate: 1, timeoutSeconds: 2 });
    const first = await waitFor(() => sims.find((d) => d.upgrades.length > 0), { what: 'one device started' });
    const other = sims.find((d) => d !== first)!;
    // The scheduler's clock: the first device times out two seconds after its start, ticks later.
    await waitForJob(c.id, first.name, (j) => j.status === 'TIMED_OUT', 'the first device timed out');
    // All those ticks, the rate (one device a minute) kept the other one waiting.
    expect(other.upgrades).toEqual([]);
    expect((await getCampaign(c.id)).statistics).toMatchObject({ started: 1, pending: 1, timedOut: 1 });

    const cancelled = await api.ok<CampaignView>('POST', `/v1/ota/campaigns/${c.id}/cancel`);
    expect(cancelled).toMatchObject({ status: 'CANCELLED', statistics: { cancelled: 1, timedOut: 1, pending: 0 } });
    expect(await jobOf(c.id, other.name)).toMatchObject({ status: 'CANCELLED', reason: 'campaign cancelled' });
    expect(await api.call('POST', `/v1/ota/campaigns/${c.id}/cancel`)).toMatchObject({
      status: 409,
      body: { code: 'CAMPAIGN_NOT_CANCELLABLE' },
    });
    // Coming back later changes nothing: the campaign is over.
    await other.inform('2.0');
    await handled(other);
    expect(await jobOf(c.id, other.name)).toMatchObject({ status: 'CANCELLED' });
  });

  it('rolls out in stages: the next stage opens only once the first has settled', async () => {
    const { productKey, devices } = await product(4);
    const fw = await firmware(productKey, '5.0', image(10_000, 'stages'));
    const sims = await onlineDevices(devices, '4.0');
    const c = await campaign({
      firmwareId: fw.id,
      selection: 'all',
      stages: [25, 100],
      failureThresholdPercent: 50,
      timeoutSeconds: 2,
      retries: 1,
    });
    const canary = await waitFor(() => sims.find((d) => d.upgrades.length > 0), { what: 'the canary' });
    await canary.progress(40);
    // The canary's first attempt times out and is retried, ticks later; the stage stays closed meanwhile.
    await canary.upgrade(2);
    expect(sims.filter((d) => d.upgrades.length > 0)).toEqual([canary]);
    expect(await getCampaign(c.id)).toMatchObject({ stage: 0, statistics: { started: 1, pending: 4 } });
    await canary.inform('5.0');
    const rest = sims.filter((d) => d !== canary);
    for (const d of rest) await d.upgrade();
    expect((await getCampaign(c.id)).stage).toBe(1);
    for (const d of rest) await d.inform('5.0');
    const done = await waitForCampaign(c.id, (x) => x.status === 'COMPLETED', 'COMPLETED');
    expect(done.statistics).toMatchObject({ succeeded: 4, started: 4 });
    expect(await jobOf(c.id, canary.name)).toMatchObject({ attempts: 2, status: 'SUCCEEDED' });
  });

  it('aborts itself when the failure rate passes the threshold, before the other devices start', async () => {
    const { productKey, devices } = await product(4);
    const fw = await firmware(productKey, '5.1', image(10_000, 'abort'));
    const sims = await onlineDevices(devices, '4.0');
    const c = await campaign({ firmwareId: fw.id, selection: 'all', stages: [25, 100], failureThresholdPercent: 40 });
    const canary = await waitFor(() => sims.find((d) => d.upgrades.length > 0), { what: 'the canary' });
    await canary.progress('-3', 'sign mismatch');
    const aborted = await waitForCampaign(c.id, (x) => x.status === 'ABORTED', 'ABORTED');
    expect(aborted.statusReason).toBe(
      'failure rate 100% above the threshold of 40% (1 of 1 devices failed or timed out)',
    );
    expect(aborted.statistics).toMatchObject({ failed: 1, cancelled: 3, started: 1 });
    for (const d of sims.filter((x) => x !== canary)) {
      expect(await jobOf(c.id, d.name)).toMatchObject({ status: 'CANCELLED', attempts: 0 });
      expect(d.upgrades).toEqual([]);
    }
  });

  it('dynamic: takes a device that reports a selected version after the start', async () => {
    const { productKey, devices } = await product(2);
    const fw = await firmware(productKey, '7.0', image(10_000, 'dynamic'));
    const c = await campaign({ firmwareId: fw.id, selection: 'versions', versions: ['6.0'], dynamic: true });
    expect(c.statistics.total).toBe(0);
    const [other, late] = devices.map((d) => new SimulatedDevice(d));
    await other.online();
    await other.inform('5.0'); // not selected
    await late.online();
    await late.inform('6.0');
    await late.upgrade();
    expect(await jobOf(c.id, late.name)).toMatchObject({ fromVersion: '6.0' });
    await late.inform('7.0');
    await waitForJob(c.id, late.name, (j) => j.status === 'SUCCEEDED', 'the late device done');
    await handled(other);
    expect(other.upgrades).toEqual([]);
    // A dynamic campaign keeps running for devices still to come.
    expect(await getCampaign(c.id)).toMatchObject({ status: 'RUNNING', statistics: { total: 1, succeeded: 1 } });
  });
});
