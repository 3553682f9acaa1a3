import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hmacHex, signContent } from '@iot/protocol';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';

let platform: TestPlatform;
let api: ApiClient;
let client: MqttClient | undefined;

// A platform of its own, with a gateway online limit of 2 instead of 200.
beforeAll(async () => {
  platform = await startTestPlatform({ extraEnv: { GATEWAY_ONLINE_LIMIT: '2' } });
  api = new ApiClient(platform.info.baseUrl, platform.info.apiKey);
}, 120_000);

afterAll(async () => {
  client?.end(true);
  await platform?.stop();
});

describe('gateway limits (TF-34)', () => {
  it('refuses the sub-device past the online limit (428) and a 6th login within a minute (429)', async () => {
    const gp = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'gw', nodeType: 'gateway' });
    const sp = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'sub' });
    const gateway = await api.ok<DeviceIdentity>('POST', `/v1/products/${gp.productKey}/devices`, {});
    const subs = await Promise.all(
      [1, 2, 3].map(() => api.ok<DeviceIdentity>('POST', `/v1/products/${sp.productKey}/devices`, {})),
    );
    const topology = `/v1/products/${gateway.productKey}/devices/${gateway.deviceName}/topology`;
    for (const s of subs) await api.ok('POST', topology, { productKey: s.productKey, deviceName: s.deviceName });

    client = await connectDevice(platform.info.mqttUrl, signedConnectOptions(gateway));
    const ext = `/ext/session/${gateway.productKey}/${gateway.deviceName}/combine`;
    const replies: { code: number }[] = [];
    client.on('message', (_t, p) => replies.push(JSON.parse(p.toString()) as { code: number }));
    await client.subscribeAsync([`${ext}/login_reply`, `${ext}/logout_reply`], { qos: 1 });
    const session = async (verb: 'login' | 'logout', d: DeviceIdentity) => {
      const params = {
        productKey: d.productKey,
        deviceName: d.deviceName,
        clientId: d.deviceName,
        timestamp: String(Date.now()),
      };
      const signed = {
        ...params,
        signMethod: 'hmacsha1',
        sign: hmacHex('hmacsha1', d.deviceSecret, signContent(params, ['sign', 'signmethod'])),
      };
      const before = replies.length;
      await client!.publishAsync(
        `${ext}/${verb}`,
        JSON.stringify({ id: verb, params: verb === 'login' ? signed : params }),
        { qos: 1 },
      );
      return (await waitFor(() => replies[before], { what: `${verb}_reply` })).code;
    };

    expect(await session('login', subs[0])).toBe(200);
    expect(await session('login', subs[1])).toBe(200);
    expect(await session('login', subs[2])).toBe(428);
    // Logging in again while logged in does not count twice against the limit.
    expect(await session('login', subs[1])).toBe(200);
    expect(await session('logout', subs[0])).toBe(200);
    expect(await session('login', subs[2])).toBe(200);

    // subs[1] has logged in 2 times; 3 more are allowed within the minute, the next is refused.
    for (let i = 0; i < 3; i++) expect(await session('login', subs[1])).toBe(200);
    expect(await session('login', subs[1])).toBe(429);
  });
});
