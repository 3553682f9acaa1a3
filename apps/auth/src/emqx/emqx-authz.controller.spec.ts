import 'reflect-metadata';
import { Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { emqxFixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { AuthenticationService } from '../authentication/authentication.service';
import type { GatewayRepository, SubSessionRow } from '../gateways/gateway.repository';
import { SubSessionAuthorizer } from '../gateways/sub-session-authorizer';
import { EmqxAuthnModule } from './emqx-authn.module';

const SECRET = 'authz-s3cret';
const GW_CLIENT = 'gw-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|';
const SUB = { productKey: 'a1SubPk001', deviceName: 'sub-0001' };

/** apps/auth's session records, as GatewayRepository.sessionOf reads them. */
const sessions = new Map<string, SubSessionRow>();
let failing = false;
const repository = {
  sessionOf: (productKey: string, deviceName: string) =>
    failing ? Promise.reject(new Error('db down')) : Promise.resolve(sessions.get(`${productKey}&${deviceName}`)),
};
const login = (sub = SUB, gatewayClientId = GW_CLIENT) =>
  sessions.set(`${sub.productKey}&${sub.deviceName}`, {
    ...sub,
    gatewayProductKey: 'a1GwPk0001',
    gatewayDeviceName: 'gw-0001',
    gatewayClientId,
    loggedInAt: new Date(1717000001500),
  });

@Module({
  providers: [
    { provide: SubSessionAuthorizer, useValue: new SubSessionAuthorizer(repository as unknown as GatewayRepository) },
    { provide: AuthenticationService, useValue: {} },
  ],
  exports: [SubSessionAuthorizer, AuthenticationService],
})
class SessionsModule {}

@Module({ imports: [SessionsModule, EmqxAuthnModule.forRoot({ webhookSecret: SECRET, sessions: SessionsModule })] })
class TestAuthModule {}

describe('POST /emqx/authz: EMQX HTTP authorization source (real Nest app, real SubSessionAuthorizer)', () => {
  let app: INestApplication;
  let url: string;

  /** What EMQX sends (§2.2): its default headers, JSON with every value a string. */
  const authz = async (body: unknown, secret: string | null = SECRET) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        accept: 'application/json',
        'cache-control': 'no-cache',
        'content-type': 'application/json',
        ...(secret === null ? {} : { 'x-emqx-secret': secret }),
      },
      body: JSON.stringify(body),
    });
    return {
      status: res.status,
      type: res.headers.get('content-type'),
      body: res.status === 200 ? await res.json() : null,
    };
  };
  const publish = emqxFixture('authz-request-publish-sub-device');
  const subscribe = emqxFixture('authz-request-subscribe-sub-device');

  beforeAll(async () => {
    app = await NestFactory.create(TestAuthModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    url = `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}/emqx/authz`;
  });
  afterAll(() => app.close());
  beforeEach(() => {
    sessions.clear();
    failing = false;
  });

  it('after login: allow publish and subscribe on the sub-device topics, as 200 application/json', async () => {
    login();
    expect(await authz(publish)).toEqual({
      status: 200,
      type: expect.stringMatching(/^application\/json/),
      body: { result: 'allow' },
    });
    expect((await authz(subscribe)).body).toEqual({ result: 'allow' });
  });

  it.each([
    ['another device of the same product', '/sys/a1SubPk001/sub-0002/thing/event/property/post', 'publish'],
    ['a filter wider than the sub-device', '/sys/a1SubPk001/+/thing/#', 'subscribe'],
    ['everything', '#', 'subscribe'],
    ['a platform-only topic of the sub-device', '/sys/a1SubPk001/sub-0001/thing/downlink/reply/message', 'publish'],
    ['a topic that is no device topic', 'devices/sub-0001/up', 'publish'],
  ])('after login: deny for %s', async (_case, topic, action) => {
    login();
    expect((await authz({ ...publish, topic, action })).body).toEqual({ result: 'deny' });
  });

  it('deny before login, after logout, and for a session on another gateway connection', async () => {
    expect((await authz(publish)).body).toEqual({ result: 'deny' });
    login();
    sessions.clear(); // logout
    expect((await authz(publish)).body).toEqual({ result: 'deny' });
    expect((await authz(subscribe)).body).toEqual({ result: 'deny' });
    login(SUB, 'gw-0002|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|');
    expect((await authz(publish)).body).toEqual({ result: 'deny' });
  });

  it('deny when the session store cannot be read', async () => {
    login();
    failing = true;
    expect((await authz(publish)).body).toEqual({ result: 'deny' });
  });

  it.each([
    ['no topic', { ...publish, topic: undefined }],
    ['an unknown action', { ...publish, action: 'all' }],
    ['the legacy ${access} instead of ${action}', { ...publish, action: undefined, access: '2' }],
  ])('deny for a malformed request (%s)', async (_case, body) => {
    login();
    expect((await authz(body)).body).toEqual({ result: 'deny' });
  });

  it.each([
    ['missing', null],
    ['wrong', 'change-me'],
  ])('401 when x-emqx-secret is %s', async (_case, secret) => {
    login();
    expect((await authz(publish, secret)).status).toBe(401);
  });
});
