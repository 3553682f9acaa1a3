import { describe, expect, it } from 'vitest';
import type { MqttAuthenticateReply } from '@iot/contracts';
import { CONNACK, deviceAclRules } from '@iot/protocol';
import { emqxFixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { parseEmqxAuthnRequest, toEmqxAuthnReply } from './emqx-authn';

const PK = 'a1B2c3D4e5';
const DN = 'dev-0001';
const CLIENT_ID = 'dev-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|';

describe('parseEmqxAuthnRequest', () => {
  it.each([
    {
      name: 'authn-request-post',
      request: {
        clientId: CLIENT_ID,
        username: `${DN}&${PK}`,
        password: 'fafd82a3d602b37fb0fa8b7892f24a477f851a14',
        peerhost: '203.0.113.7',
      },
    },
    {
      name: 'authn-request-post-token',
      request: {
        clientId: 'any-client-id',
        username: 'iot-7Hq2Lx9Rk3',
        password: '6944e5bfb92e4d4ea3918d1eda3942f6',
        peerhost: '203.0.113.7',
      },
    },
    {
      name: 'authn-request-post-no-credentials',
      request: { clientId: 'anonymous-1', username: '', password: '', peerhost: '203.0.113.7' },
    },
  ])('$name', ({ name, request }) => {
    expect(parseEmqxAuthnRequest(emqxFixture(name))).toEqual({ ok: true, request });
  });

  it('the GET variant: the same fields in the query string; no keepalive is ever set', () => {
    const query = Object.fromEntries(new URLSearchParams(emqxFixture('authn-request-get').query as string));
    const parsed = parseEmqxAuthnRequest(query);
    expect(parsed).toEqual(parseEmqxAuthnRequest(emqxFixture('authn-request-post')));
    expect(parsed.ok && 'keepalive' in parsed.request).toBe(false);
  });

  it('absent username/password/peerhost become "" / "" / unset', () => {
    expect(parseEmqxAuthnRequest({ clientid: 'c', peerhost: '' })).toEqual({
      ok: true,
      request: { clientId: 'c', username: '', password: '' },
    });
  });

  it.each([
    ['no body', undefined, /clientid/],
    ['no clientid', { username: 'u', password: 'p' }, /clientid/],
    ['a repeated query key (array)', { clientid: 'c', username: ['a', 'b'] }, /username/],
    ['a number', { clientid: 42 }, /clientid/],
    ['not an object', 'clientid=c', /expected object/],
  ])('rejects %s', (_case, input, error) => {
    const parsed = parseEmqxAuthnRequest(input);
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.error).toMatch(error);
  });
});

describe('toEmqxAuthnReply', () => {
  const device = { productKey: PK, deviceName: DN, iotId: 'iot-7Hq2Lx9Rk3', nodeType: 'device' as const };

  it('allow: client_attrs name the device, the device rules keep their permission (allow by default) and end with deny-all', () => {
    const acl = deviceAclRules(PK, DN);
    const reply: MqttAuthenticateReply = { allowed: true, returnCode: CONNACK.accepted, device, acl };
    const emqx = toEmqxAuthnReply(reply);
    expect(emqx).toEqual({
      result: 'allow',
      is_superuser: false,
      client_attrs: { productKey: PK, deviceName: DN, iotId: device.iotId, nodeType: 'device' },
      acl: [
        ...acl.map((r) => ({ permission: r.permission ?? 'allow', action: r.action, topic: r.topic })),
        { permission: 'deny', action: 'all', topic: '#' },
      ],
    });
    // What EMQX accepts (§1.3, §2.1): client_attrs keys and string values, known actions, no placeholders.
    if (emqx.result !== 'allow') throw new Error('unreachable');
    for (const key of Object.keys(emqx.client_attrs)) expect(key).toMatch(/^[A-Za-z0-9]+[A-Za-z0-9-_]*$/);
    for (const rule of emqx.acl) {
      expect(['publish', 'subscribe', 'all']).toContain(rule.action);
      expect(rule.topic).not.toContain('${');
      expect(rule.topic.startsWith('eq ')).toBe(false);
    }
    expect(emqx.acl.at(-1)).toEqual({ permission: 'deny', action: 'all', topic: '#' });
    expect(emqx.acl.some((r) => r.topic === `/sys/${PK}/${DN}/thing/#`)).toBe(true);
  });

  it('token login: expire_at is the token expiry in whole Unix seconds (rounded down), after the ACL', () => {
    const now = Date.UTC(2026, 10, 24, 10, 0, 0);
    const expiresAt = now + 7 * 24 * 3600_000 + 999; // 7 days and 999 ms ahead
    const acl = deviceAclRules(PK, DN);
    const emqx = toEmqxAuthnReply({ allowed: true, returnCode: CONNACK.accepted, device, acl, expiresAt }, now);
    // The exact JSON EMQX reads (§1.3 fixture a): an integer, in seconds, in the future.
    expect(JSON.parse(JSON.stringify(emqx))).toEqual({
      result: 'allow',
      is_superuser: false,
      client_attrs: { productKey: PK, deviceName: DN, iotId: device.iotId, nodeType: 'device' },
      acl: [
        ...acl.map((r) => ({ permission: r.permission ?? 'allow', action: r.action, topic: r.topic })),
        { permission: 'deny', action: 'all', topic: '#' },
      ],
      expire_at: 1796119200,
    });
    if (emqx.result !== 'allow' || emqx.expire_at === undefined) throw new Error('unreachable');
    expect(Number.isInteger(emqx.expire_at)).toBe(true);
    expect(emqx.expire_at).toBeGreaterThan(now / 1000);
    expect(emqx.expire_at).toBeLessThan(now / 2); // not milliseconds (EMQX rejects > now_ms / 2)
  });

  it('gateway: the same rules without the closing deny-all, so other topics fall through to /emqx/authz', () => {
    const acl = deviceAclRules(PK, 'gw-0001');
    const gateway = { ...device, deviceName: 'gw-0001', nodeType: 'gateway' as const };
    expect(toEmqxAuthnReply({ allowed: true, returnCode: 0, device: gateway, acl })).toEqual({
      result: 'allow',
      is_superuser: false,
      client_attrs: { productKey: PK, deviceName: 'gw-0001', iotId: device.iotId, nodeType: 'gateway' },
      acl: acl.map((r) => ({ permission: r.permission ?? 'allow', action: r.action, topic: r.topic })),
    });
  });

  it('a signed login has no expire_at', () => {
    const emqx = toEmqxAuthnReply({ allowed: true, returnCode: 0, device, acl: deviceAclRules(PK, DN) });
    expect(emqx).not.toHaveProperty('expire_at');
  });

  it('deny when the token expires within the current second (EMQX would refuse expire_at <= now)', () => {
    const now = Date.UTC(2026, 10, 24, 10, 0, 0, 200);
    const reply = { allowed: true, returnCode: 0, device, acl: deviceAclRules(PK, DN), expiresAt: now + 500 };
    expect(toEmqxAuthnReply(reply, now)).toEqual({ result: 'deny' });
    expect(toEmqxAuthnReply({ ...reply, expiresAt: now + 800 }, now)).toMatchObject({ expire_at: 1795514401 });
  });

  it.each([
    ['bad credentials', CONNACK.badCredentials, 'signature mismatch'],
    ['malformed clientId', CONNACK.identifierRejected, 'malformed clientId'],
    ['bad token', CONNACK.serverUnavailable, 'invalid iotId or iotToken'],
    ['disabled', CONNACK.notAuthorized, 'device disabled'],
  ])('deny for %s, whatever the CONNACK code (EMQX answers 5 / 0x87)', (_case, returnCode, reason) => {
    expect(toEmqxAuthnReply({ allowed: false, returnCode, reason, acl: [] })).toEqual({ result: 'deny' });
  });

  it('deny when an allow carries no device (never an allow without identity)', () => {
    expect(toEmqxAuthnReply({ allowed: true, returnCode: 0, acl: [] })).toEqual({ result: 'deny' });
  });
});
