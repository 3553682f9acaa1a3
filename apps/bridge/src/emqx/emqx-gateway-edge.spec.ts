import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthRpc,
  subSessionClientId,
  type ConnectionEvent,
  type RpcContract,
  type SubDeviceAuthorizeRequest,
  type SubDeviceLoginRequest,
  type SubSessionView,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { deviceAclRules, isPublishAllowed } from '@iot/protocol';
import { HealthRegistry } from '@iot/runtime';
import { FakeEmqx, emqxFixture, restFixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { DeviceEdgeService, type InboundPublish } from '../edge/device-edge.service';
import { EmqxDriver } from './emqx.driver';
import { EmqxModule } from './emqx.module';

const SECRET = 'webhook-s3cret';
const GW = { productKey: 'a1GwPk0001', deviceName: 'gw-0001' };
const GW_CLIENT = 'gw-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|';
const SUB = { productKey: 'a1SubPk001', deviceName: 'sub-0001' };
const SUB_CLIENT = subSessionClientId(GW_CLIENT, SUB.productKey, SUB.deviceName);
const LOGGED_IN_AT = 1717000001500;

class FakeEdge {
  readonly uplinks: InboundPublish[] = [];
  readonly connections: ConnectionEvent[] = [];
  uplink(message: InboundPublish): Promise<boolean> {
    this.uplinks.push(message);
    return Promise.resolve(true);
  }
  connected(event: ConnectionEvent): Promise<void> {
    this.connections.push(event);
    return Promise.resolve();
  }
  disconnected(event: ConnectionEvent): Promise<void> {
    this.connections.push(event);
    return Promise.resolve();
  }
}

/** Plays apps/auth's sub-device session records (the real ones are tested in apps/auth). */
class FakeAuthBus {
  readonly sessions = new Map<string, SubSessionView>();
  down = false;

  request<Req, Res>(contract: RpcContract<Req, Res>, payload: Req): Promise<Res> {
    if (this.down) return Promise.reject(new Error('no responders'));
    return Promise.resolve(this.answer(contract.subject, payload) as Res);
  }

  private answer(subject: string, payload: unknown): unknown {
    switch (subject) {
      case AuthRpc.subDeviceLogin.subject: {
        const { params, gatewayClientId } = payload as SubDeviceLoginRequest;
        const sub = { productKey: params.productKey, deviceName: params.deviceName };
        this.sessions.set(key(sub), { ...sub, gateway: GW, gatewayClientId, connectedAt: LOGGED_IN_AT });
        const acl = deviceAclRules(sub.productKey, sub.deviceName);
        return { code: 200, message: 'success', device: { ...sub, iotId: 'iot-sub' }, acl, connectedAt: LOGGED_IN_AT };
      }
      case AuthRpc.subDeviceLogout.subject: {
        const { params, gatewayClientId } = payload as SubDeviceLoginRequest;
        const session = this.sessions.get(key(params as typeof SUB));
        if (session?.gatewayClientId !== gatewayClientId) return { code: 520, message: 'device no session' };
        this.sessions.delete(key(session));
        return {
          code: 200,
          message: 'success',
          device: { ...SUB, iotId: 'iot-sub' },
          connectedAt: session.connectedAt,
        };
      }
      case AuthRpc.subDeviceAuthorize.subject: {
        const { clientId, topic } = payload as SubDeviceAuthorizeRequest;
        const session = [...this.sessions.values()].find((s) => s.gatewayClientId === clientId);
        return {
          allowed: !!session && isPublishAllowed(deviceAclRules(session.productKey, session.deviceName), topic),
        };
      }
      case AuthRpc.subSessionsOn.subject:
        return [...this.sessions.values()].filter(
          (s) => s.gatewayClientId === (payload as { gatewayClientId: string }).gatewayClientId,
        );
      case AuthRpc.subSessionOf.subject: {
        const session = this.sessions.get(key(payload as typeof SUB));
        return session ? { session } : {};
      }
      default:
        throw new Error(`unexpected request on ${subject}`);
    }
  }
}

const key = (d: { productKey: string; deviceName: string }) => `${d.productKey}&${d.deviceName}`;

describe('gateway sub-device sessions behind EMQX (real Nest app, fake EMQX API, fake apps/auth)', () => {
  const emqx = new FakeEmqx();
  const edge = new FakeEdge();
  const auth = new FakeAuthBus();
  let app: NestExpressApplication;
  let url: string;

  const post = (body: unknown): Promise<Response> =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-emqx-secret': SECRET },
      body: JSON.stringify(body),
    });
  /** What the bridge published through `POST /api/v5/publish`, payloads decoded. */
  const published = () =>
    emqx.requests
      .filter((r) => r.method === 'POST' && r.url === '/api/v5/publish')
      .map((r) => JSON.parse(r.body) as { topic: string; payload: string; payload_encoding: string; qos: number })
      .map((p) => ({ topic: p.topic, qos: p.qos, message: JSON.parse(Buffer.from(p.payload, 'base64').toString()) }));
  const login = async () => expect((await post(emqxFixture('gateway-publish-login'))).status).toBe(204);

  beforeAll(async () => {
    await emqx.listen();
    @Global()
    @Module({
      providers: [
        { provide: DeviceEdgeService, useValue: edge },
        { provide: Bus, useValue: auth },
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
    emqx.reply(restFixture('rest-publish-200'));
    edge.uplinks.length = 0;
    edge.connections.length = 0;
    auth.sessions.clear();
    auth.down = false;
  });

  it('login: answered on login_reply through the REST API, the session connects; its uplinks are stored', async () => {
    await login();
    expect(published()).toEqual([
      {
        topic: '/ext/session/a1GwPk0001/gw-0001/combine/login_reply',
        qos: 1,
        message: { id: '101', code: 200, message: 'success', data: '' },
      },
    ]);
    expect(edge.uplinks).toEqual([]); // the session request itself is not an uplink
    expect(edge.connections).toMatchObject([
      { type: 'connected', ...SUB, clientId: SUB_CLIENT, connectedAt: LOGGED_IN_AT, peerhost: '203.0.113.7' },
    ]);

    expect((await post(emqxFixture('gateway-publish-sub-device-property'))).status).toBe(204);
    expect(edge.uplinks).toMatchObject([
      { clientId: GW_CLIENT, topic: '/sys/a1SubPk001/sub-0001/thing/event/property/post', qos: 1 },
    ]);
    expect(published()).toHaveLength(1); // no /ext/error
  });

  it('logout: answered, the session disconnects; a later uplink for it is dropped with 520 on /ext/error', async () => {
    await login();
    emqx.reset();
    emqx.reply(restFixture('rest-publish-200'));
    edge.connections.length = 0;
    expect((await post(emqxFixture('gateway-publish-logout'))).status).toBe(204);
    expect(edge.connections).toMatchObject([
      { type: 'disconnected', ...SUB, clientId: SUB_CLIENT, connectedAt: LOGGED_IN_AT, reason: 'normal' },
    ]);

    // EMQX may still let it through (its authz cache keeps an allow up to a minute): the bridge refuses it.
    expect((await post(emqxFixture('gateway-publish-sub-device-property'))).status).toBe(204);
    expect(edge.uplinks).toEqual([]);
    expect(published()).toEqual([
      {
        topic: '/ext/session/a1GwPk0001/gw-0001/combine/logout_reply',
        qos: 1,
        message: { id: '103', code: 200, message: 'success', data: '' },
      },
      {
        topic: '/ext/error/a1GwPk0001/gw-0001',
        qos: 1,
        message: { id: '102', code: 520, message: 'device session error' },
      },
    ]);
  });

  it('logout without a session: 520 on logout_reply, no disconnect', async () => {
    expect((await post(emqxFixture('gateway-publish-logout'))).status).toBe(204);
    expect(published()).toMatchObject([{ message: { id: '103', code: 520, message: 'device no session' } }]);
    expect(edge.connections).toEqual([]);
  });

  it("the gateway's own topics are stored without asking apps/auth", async () => {
    auth.down = true;
    const own = {
      ...emqxFixture('gateway-publish-sub-device-property'),
      topic: '/sys/a1GwPk0001/gw-0001/thing/event/property/post',
    };
    expect((await post(own)).status).toBe(204);
    expect(edge.uplinks).toHaveLength(1);
  });

  it('503 when apps/auth cannot be asked, so EMQX retries; nothing stored or answered', async () => {
    auth.down = true;
    expect((await post(emqxFixture('gateway-publish-sub-device-property'))).status).toBe(503);
    expect((await post(emqxFixture('gateway-publish-login'))).status).toBe(204); // answered 500 on login_reply
    expect(published()).toMatchObject([{ message: { code: 500 } }]);
    expect(edge.uplinks).toEqual([]);
  });

  it("the gateway's disconnect publishes its sessions' disconnects first", async () => {
    await login();
    edge.connections.length = 0;
    expect((await post(emqxFixture('gateway-disconnected-tcp_closed'))).status).toBe(204);
    expect(edge.connections.map((e) => [e.type, e.clientId, e.connectedAt, e.reason])).toEqual([
      ['disconnected', SUB_CLIENT, LOGGED_IN_AT, 'tcp_closed'],
      ['disconnected', GW_CLIENT, 1717000000001, 'tcp_closed'],
    ]);
  });

  it('a kick of the session (the sub-device connected elsewhere): 427 on logout_reply, disconnect takenover, no EMQX kick', async () => {
    await login();
    emqx.reset();
    emqx.reply(restFixture('rest-publish-200'));
    edge.connections.length = 0;
    await app.get(EmqxDriver).kick({ ...SUB, clientId: SUB_CLIENT, reason: 'replaced' });
    expect(published()).toMatchObject([
      {
        topic: '/ext/session/a1GwPk0001/gw-0001/combine/logout_reply',
        message: { code: 427, message: 'device connect in elsewhere', data: SUB },
      },
    ]);
    expect(emqx.requests.filter((r) => r.method === 'DELETE')).toEqual([]);
    expect(edge.connections).toMatchObject([
      { type: 'disconnected', clientId: SUB_CLIENT, connectedAt: LOGGED_IN_AT, reason: 'takenover' },
    ]);
  });

  it('a kick of a device with no session kicks its own connections only', async () => {
    emqx.reply(restFixture('rest-clients-empty'));
    await app.get(EmqxDriver).kick({ ...SUB, reason: 'disabled' });
    expect(published()).toEqual([]);
    expect(emqx.requests.map((r) => r.method)).toEqual(['GET']);
  });
});
