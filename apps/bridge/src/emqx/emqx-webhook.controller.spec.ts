import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConnectionEvent } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { HealthRegistry } from '@iot/runtime';
import { waitFor } from '@iot/testing';
import { emqxFixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { DeviceEdgeService, type InboundPublish } from '../edge/device-edge.service';
import { EMQX_WEBHOOK_BODY_LIMIT, EmqxModule } from './emqx.module';

const SECRET = 'webhook-s3cret';

/** Records what the controller hands the device edge; `store` decides what "storing in JetStream" does. */
class FakeEdge {
  readonly uplinks: InboundPublish[] = [];
  readonly connections: ConnectionEvent[] = [];
  store: () => Promise<void> = () => Promise.resolve();

  async uplink(message: InboundPublish): Promise<boolean> {
    this.uplinks.push(message);
    await this.store();
    return true;
  }
  async connected(event: ConnectionEvent): Promise<void> {
    this.connections.push(event);
    await this.store();
  }
  async disconnected(event: ConnectionEvent): Promise<void> {
    this.connections.push(event);
    await this.store();
  }
}

const edge = new FakeEdge();
const health = { metrics: new Registry(), register: () => undefined };

@Global()
@Module({
  providers: [
    { provide: DeviceEdgeService, useValue: edge },
    { provide: Bus, useValue: {} },
    { provide: HealthRegistry, useValue: health },
  ],
  exports: [DeviceEdgeService, Bus, HealthRegistry],
})
class FakeBridgeGlobals {}

@Module({
  imports: [
    FakeBridgeGlobals,
    EmqxModule.forRoot({ apiUrl: 'http://127.0.0.1:9/api/v5', apiKey: 'k', apiSecret: 's', webhookSecret: SECRET }),
  ],
})
class TestBridgeModule {}

describe('POST /emqx/events (real Nest app)', () => {
  let app: NestExpressApplication;
  let url: string;

  /** `secret: null` sends no x-emqx-secret header. */
  const post = (body: unknown, secret: string | null = SECRET): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-emqx-secret': secret }) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  beforeAll(async () => {
    app = await NestFactory.create<NestExpressApplication>(TestBridgeModule, { logger: false });
    app.useBodyParser('json', { limit: EMQX_WEBHOOK_BODY_LIMIT });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/emqx/events`;
  });
  afterAll(() => app.close());
  beforeEach(() => {
    edge.uplinks.length = 0;
    edge.connections.length = 0;
    edge.store = () => Promise.resolve();
  });

  describe('secret', () => {
    it.each([
      ['missing', null],
      ['wrong', 'nope'],
      ['a prefix of the right one', SECRET.slice(0, -1)],
    ])('401 when x-emqx-secret is %s, and nothing is stored', async (_case, secret) => {
      const res = await post(emqxFixture('message-publish-raw'), secret);
      expect(res.status).toBe(401);
      expect(edge.uplinks).toHaveLength(0);
    });
  });

  it('stores a publish (raw SELECT * form) and answers 204', async () => {
    const res = await post(emqxFixture('message-publish-raw'));
    expect(res.status).toBe(204);
    expect(edge.uplinks).toHaveLength(1);
    expect(edge.uplinks[0]).toMatchObject({
      clientId: 'dev-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|',
      topic: '/sys/a1B2c3D4e5/dev-0001/thing/event/property/post',
      qos: 1,
      messageId: '0006175D2F3A1B2CF4450000034C0001',
    });
    expect(Buffer.isBuffer(edge.uplinks[0].payload)).toBe(true);
  });

  it('decodes a projected base64 payload byte for byte', async () => {
    const res = await post(emqxFixture('message-publish-projected-binary'));
    expect(res.status).toBe(204);
    expect([...edge.uplinks[0].payload]).toEqual([0x01, 0x00, 0x00, 0x00, 0x2a, 0xff, 0xfe, 0x80]);
  });

  it('accepts a 1 MB payload (EMQX max_packet_size) in base64', async () => {
    const payload = Buffer.alloc(1024 * 1024, 0xab);
    const res = await post({ ...emqxFixture('message-publish-projected'), payload_b64: payload.toString('base64') });
    expect(res.status).toBe(204);
    expect(edge.uplinks[0].payload.equals(payload)).toBe(true);
  });

  it('forwards both deliveries of a duplicated publish with the same messageId (JetStream dedupes)', async () => {
    const body = emqxFixture('message-publish-projected');
    expect((await post(body)).status).toBe(204);
    expect((await post(body)).status).toBe(204);
    expect(edge.uplinks.map((u) => u.messageId)).toEqual([
      '0006175D2F3A1B2CF4450000034C0002',
      '0006175D2F3A1B2CF4450000034C0002',
    ]);
  });

  it('forwards an out-of-order disconnect of a taken-over session with its original connected_at', async () => {
    expect((await post(emqxFixture('client-connected-v3-new-session'))).status).toBe(204);
    expect((await post(emqxFixture('client-disconnected-takenover'))).status).toBe(204);
    expect(edge.connections.map((e) => [e.type, e.connectedAt, e.reason])).toEqual([
      ['connected', 1717000300000, undefined],
      ['disconnected', 1717000000001, 'takenover'],
    ]);
  });

  it.each(['normal', 'keepalive_timeout', 'tcp_closed', 'kicked', 'discarded', 'takenover', 'not_authorized'])(
    'stores client.disconnected (%s)',
    async (reason) => {
      const res = await post(emqxFixture(`client-disconnected-${reason}`));
      expect(res.status).toBe(204);
      expect(edge.connections).toMatchObject([{ type: 'disconnected', reason }]);
    },
  );

  it.each(['session-subscribed', 'message-delivered', 'message-acked', 'message-dropped', 'message-publish-http-api'])(
    '204 and nothing stored for %s',
    async (name) => {
      const res = await post(emqxFixture(name));
      expect(res.status).toBe(204);
      expect(edge.uplinks).toHaveLength(0);
      expect(edge.connections).toHaveLength(0);
    },
  );

  it.each([
    ['a publish without id', { ...emqxFixture('message-publish-raw'), id: undefined }, 'id'],
    ['a body without event', { clientid: 'x' }, 'event'],
    [
      'a disconnect without connected_at',
      { ...emqxFixture('client-disconnected-normal'), connected_at: 'undefined' },
      'connected_at',
    ],
  ])('400 for %s, nothing stored', async (_case, body, field) => {
    const res = await post(body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(await res.json())).toContain(field);
    expect(edge.uplinks).toHaveLength(0);
    expect(edge.connections).toHaveLength(0);
  });

  it('400 for a body that is not JSON', async () => {
    expect((await post('{"event": ')).status).toBe(400);
  });

  it('503 when the bus publish fails, so EMQX retries; the retry is stored', async () => {
    edge.store = () => Promise.reject(new Error('JetStream: no responders'));
    const body = emqxFixture('message-publish-raw');
    expect((await post(body)).status).toBe(503);
    expect((await post(emqxFixture('client-connected-v3'))).status).toBe(503);

    edge.store = () => Promise.resolve();
    expect((await post(body)).status).toBe(204);
    expect(edge.uplinks.map((u) => u.messageId)).toEqual([
      '0006175D2F3A1B2CF4450000034C0001',
      '0006175D2F3A1B2CF4450000034C0001',
    ]);
  });

  it('answers only after the event is stored', async () => {
    let stored!: () => void;
    edge.store = () => new Promise<void>((resolve) => (stored = resolve));
    let answered = false;
    const pending = post(emqxFixture('message-publish-raw')).then((res) => {
      answered = true;
      return res;
    });
    await waitFor(() => edge.uplinks.length === 1, { timeoutMs: 5_000, what: 'the uplink to reach the edge' });
    // A full round trip on another connection: had the controller answered already, it would be in by now.
    edge.store = () => Promise.resolve();
    expect((await post(emqxFixture('session-subscribed'))).status).toBe(204);
    expect(answered).toBe(false);
    stored();
    expect((await pending).status).toBe(204);
  });

  it('counts outcomes in the bridge metrics', async () => {
    await post(emqxFixture('message-publish-raw'), 'nope');
    const text = await health.metrics.metrics();
    expect(text).toMatch(/bridge_emqx_webhook_events_total\{outcome="unauthorized"\} \d+/);
  });
});
