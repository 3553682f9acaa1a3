import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MqttAuthenticateReply, MqttAuthenticateRequest } from '@iot/contracts';
import { CONNACK, deviceAclRules } from '@iot/protocol';
import { emqxFixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { AuthenticationService } from '../authentication/authentication.service';
import { SubSessionAuthorizer } from '../gateways/sub-session-authorizer';
import { EmqxAuthnModule } from './emqx-authn.module';

const SECRET = 'authn-s3cret';
const PK = 'a1B2c3D4e5';
const DN = 'dev-0001';
const DEVICE = { productKey: PK, deviceName: DN, iotId: 'iot-7Hq2Lx9Rk3', nodeType: 'device' as const };

/** Stands in for AuthenticationService: records requests, answers with `decide`. */
class FakeAuthentication {
  readonly requests: MqttAuthenticateRequest[] = [];
  decide: (request: MqttAuthenticateRequest) => Promise<MqttAuthenticateReply> = () =>
    Promise.resolve({ allowed: true, returnCode: CONNACK.accepted, device: DEVICE, acl: deviceAclRules(PK, DN) });

  authenticate(request: MqttAuthenticateRequest): Promise<MqttAuthenticateReply> {
    this.requests.push(request);
    return this.decide(request);
  }
}

const authentication = new FakeAuthentication();

// Plays the lead's global AuthenticationModule.
@Global()
@Module({
  providers: [{ provide: AuthenticationService, useValue: authentication }],
  exports: [AuthenticationService],
})
class FakeAuthenticationModule {}

// /emqx/authz's SubSessionAuthorizer is not asked here (emqx-authz.controller.spec.ts).
@Module({ providers: [{ provide: SubSessionAuthorizer, useValue: {} }], exports: [SubSessionAuthorizer] })
class NoSessionsModule {}

@Module({
  imports: [FakeAuthenticationModule, EmqxAuthnModule.forRoot({ webhookSecret: SECRET, sessions: NoSessionsModule })],
})
class TestAuthModule {}

describe('/emqx/authn (real Nest app)', () => {
  let app: INestApplication;
  let base: string;

  /** What EMQX sends (§1.2): its default headers plus ours; `secret: null` leaves x-emqx-secret out. */
  const headers = (secret: string | null): Record<string, string> => ({
    accept: 'application/json',
    'cache-control': 'no-cache',
    ...(secret === null ? {} : { 'x-emqx-secret': secret }),
  });
  const postJson = (body: unknown, secret: string | null = SECRET): Promise<Response> =>
    fetch(`${base}/emqx/authn`, {
      method: 'POST',
      headers: { ...headers(secret), 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    app = await NestFactory.create(TestAuthModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}`;
  });
  afterAll(() => app.close());
  beforeEach(() => {
    authentication.requests.length = 0;
    authentication.decide = new FakeAuthentication().decide;
  });

  it('POST JSON: allow with client_attrs and the device ACL ending in deny-all, as application/json 200', async () => {
    const res = await postJson(emqxFixture('authn-request-post'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await res.json()) as { result: string; is_superuser: boolean; client_attrs: unknown; acl: unknown[] };
    expect(body.result).toBe('allow');
    expect(body.is_superuser).toBe(false);
    expect(body.client_attrs).toEqual({ productKey: PK, deviceName: DN, iotId: DEVICE.iotId, nodeType: 'device' });
    expect(body.acl).toContainEqual({ permission: 'allow', action: 'all', topic: `/sys/${PK}/${DN}/thing/#` });
    expect(body.acl[0]).toEqual({ permission: 'deny', action: 'publish', topic: `/sys/${PK}/${DN}/thing/downlink/#` });
    expect(body.acl.at(-1)).toEqual({ permission: 'deny', action: 'all', topic: '#' });
    expect(authentication.requests).toEqual([
      {
        clientId: 'dev-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|',
        username: `${DN}&${PK}`,
        password: 'fafd82a3d602b37fb0fa8b7892f24a477f851a14',
        peerhost: '203.0.113.7',
      },
    ]);
    expect(authentication.requests[0].keepalive).toBeUndefined();
  });

  it('token login: the reply carries expire_at, the token expiry in Unix seconds', async () => {
    const expiresAt = Date.now() + 3600_000;
    authentication.decide = () =>
      Promise.resolve({
        allowed: true,
        returnCode: CONNACK.accepted,
        device: DEVICE,
        acl: deviceAclRules(PK, DN),
        expiresAt,
      });
    const res = await postJson(emqxFixture('authn-request-post-token'));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { result: string; expire_at: unknown };
    expect(body.result).toBe('allow');
    expect(body.expire_at).toBe(Math.floor(expiresAt / 1000));
  });

  it('GET with the query string: the same decision', async () => {
    const query = emqxFixture('authn-request-get').query as string;
    const res = await fetch(`${base}/emqx/authn?${query}`, { headers: headers(SECRET) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: string }).result).toBe('allow');
    expect(authentication.requests[0]).toMatchObject({ username: `${DN}&${PK}`, peerhost: '203.0.113.7' });
  });

  it('POST form-urlencoded (if EMQX is configured with that content-type): the same decision', async () => {
    const res = await fetch(`${base}/emqx/authn`, {
      method: 'POST',
      headers: { ...headers(SECRET), 'content-type': 'application/x-www-form-urlencoded' },
      body: emqxFixture('authn-request-get').query as string,
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { result: string }).result).toBe('allow');
  });

  it('deny (never ignore) when the credentials are refused', async () => {
    authentication.decide = () =>
      Promise.resolve({ allowed: false, returnCode: CONNACK.badCredentials, reason: 'signature mismatch', acl: [] });
    const res = await postJson(emqxFixture('authn-request-post'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'deny' });
  });

  it('deny when authentication fails (database down): an outage lets nobody in', async () => {
    authentication.decide = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    const res = await postJson(emqxFixture('authn-request-post-token'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'deny' });
  });

  it('deny for a malformed request, without asking AuthenticationService', async () => {
    const res = await postJson({ username: 'x' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ result: 'deny' });
    expect(authentication.requests).toHaveLength(0);
  });

  it.each([
    ['missing', null],
    ['wrong', 'change-me'],
  ])('401 when x-emqx-secret is %s (EMQX reads it as ignore → not authorized)', async (_case, secret) => {
    const res = await postJson(emqxFixture('authn-request-post'), secret);
    expect(res.status).toBe(401);
    expect(authentication.requests).toHaveLength(0);
    const get = await fetch(`${base}/emqx/authn?${emqxFixture('authn-request-get').query as string}`, {
      headers: headers(secret),
    });
    expect(get.status).toBe(401);
  });
});

describe('/emqx/authn with an empty configured secret', () => {
  it('refuses every call', async () => {
    @Module({
      imports: [FakeAuthenticationModule, EmqxAuthnModule.forRoot({ webhookSecret: '', sessions: NoSessionsModule })],
    })
    class OpenAuthModule {}
    const app = await NestFactory.create(OpenAuthModule, { logger: false });
    await app.listen(0, '127.0.0.1');
    try {
      const port = (app.getHttpServer() as { address(): AddressInfo }).address().port;
      const res = await fetch(`http://127.0.0.1:${port}/emqx/authn`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-emqx-secret': '' },
        body: JSON.stringify(emqxFixture('authn-request-post')),
      });
      expect(res.status).toBe(401);
    } finally {
      await app.close();
    }
  });
});
