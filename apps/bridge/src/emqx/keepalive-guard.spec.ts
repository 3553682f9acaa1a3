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
import { FakeEmqx, emqxFixture, restFixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { DeviceEdgeService } from '../edge/device-edge.service';
import { EmqxModule } from './emqx.module';

const SECRET = 'webhook-s3cret';

class FakeEdge {
  readonly connections: ConnectionEvent[] = [];
  connected(event: ConnectionEvent): Promise<void> {
    this.connections.push(event);
    return Promise.resolve();
  }
  disconnected(event: ConnectionEvent): Promise<void> {
    this.connections.push(event);
    return Promise.resolve();
  }
}

describe('keepalive outside 30–1200 s behind EMQX: kicked on client.connected (real Nest app, fake EMQX API)', () => {
  const emqx = new FakeEmqx();
  const edge = new FakeEdge();
  let app: NestExpressApplication;
  let url: string;

  const post = (body: unknown): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-emqx-secret': SECRET },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    await emqx.listen();
    @Global()
    @Module({
      providers: [
        { provide: DeviceEdgeService, useValue: edge },
        { provide: Bus, useValue: {} },
        { provide: HealthRegistry, useValue: { metrics: new Registry(), register: () => undefined } },
      ],
      exports: [DeviceEdgeService, Bus, HealthRegistry],
    })
    class FakeBridgeGlobals {}
    @Module({
      imports: [
        FakeBridgeGlobals,
        EmqxModule.forRoot({ apiUrl: emqx.url, apiKey: 'k', apiSecret: 's', webhookSecret: SECRET }),
      ],
    })
    class TestBridgeModule {}
    app = await NestFactory.create<NestExpressApplication>(TestBridgeModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}/emqx/events`;
  });
  afterAll(async () => {
    await app.close();
    await emqx.close();
  });
  beforeEach(() => {
    emqx.reset();
    emqx.reply(restFixture('rest-kick-204'));
    edge.connections.length = 0;
  });

  it('keepalive 0: DELETE /clients/{clientid} (URL-encoded), nothing stored, and its kicked disconnect is not stored', async () => {
    const connected = emqxFixture('client-connected-keepalive-0');
    expect((await post(connected)).status).toBe(204);
    expect(emqx.requests.map((r) => [r.method, r.url])).toEqual([
      ['DELETE', `/api/v5/clients/${encodeURIComponent(connected.clientid as string)}`],
    ]);
    expect(emqx.requests[0].headers.authorization).toBe(`Basic ${Buffer.from('k:s').toString('base64')}`);
    expect((await post(emqxFixture('client-disconnected-kicked-keepalive-0'))).status).toBe(204);
    expect(edge.connections).toEqual([]);
  });

  it.each([29, 1201, 65535])('keepalive %i: kicked, not stored', async (keepalive) => {
    expect((await post({ ...emqxFixture('client-connected-keepalive-0'), keepalive })).status).toBe(204);
    expect(emqx.requests).toHaveLength(1);
    expect(edge.connections).toEqual([]);
  });

  it.each([30, 60, 1200])('keepalive %i: stored, no call to EMQX', async (keepalive) => {
    expect((await post({ ...emqxFixture('client-connected-v3'), keepalive })).status).toBe(204);
    expect(emqx.requests).toHaveLength(0);
    expect(edge.connections).toMatchObject([{ type: 'connected', keepalive }]);
  });

  it('a kicked disconnect of another connection is still stored', async () => {
    expect((await post(emqxFixture('client-disconnected-kicked'))).status).toBe(204);
    expect(edge.connections).toMatchObject([{ type: 'disconnected', reason: 'kicked' }]);
  });

  it('503 when the kick fails (EMQX retries the event); the client already gone (404) counts as done', async () => {
    emqx.reply(restFixture('rest-publish-503'));
    const connected = { ...emqxFixture('client-connected-keepalive-0'), connected_at: 1717000500001 };
    expect((await post(connected)).status).toBe(503);
    expect(edge.connections).toEqual([]);
    emqx.reply(restFixture('rest-kick-404'));
    expect((await post(connected)).status).toBe(204);
    expect(edge.connections).toEqual([]);
  });
});
