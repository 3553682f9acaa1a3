import { describe, expect, inject, it } from 'vitest';
import { hmacHex, signContent, SIGN_EXCLUDE } from '@iot/protocol';
import { ApiClient, type DeviceIdentity } from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);

async function post(
  path: string,
  fields: Record<string, string>,
  json = false,
): Promise<{ code: number; message: string; data?: Record<string, unknown> }> {
  const res = await fetch(`${platform.deviceHttpUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded' },
    body: json ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as never;
}

async function setup(dynamicRegistration = true) {
  const product = await api.ok<{ productKey: string; productSecret: string }>('POST', '/v1/products', {
    name: 'http',
    dynamicRegistration,
  });
  const device = await api.ok<DeviceIdentity>('POST', `/v1/products/${product.productKey}/devices`, {});
  return { product, device };
}

function deviceNameRequest(d: DeviceIdentity, secret = d.deviceSecret, signmethod = 'hmacsha1') {
  const params = {
    productKey: d.productKey,
    deviceName: d.deviceName,
    clientId: 'c-1',
    timestamp: '123',
    version: 'default',
    resources: 'mqtt',
  };
  const sign = hmacHex(
    signmethod === 'hmacsha1' ? 'hmacsha1' : 'hmacmd5',
    secret,
    signContent(params, SIGN_EXCLUDE.mqttAuth),
  );
  return { ...params, signmethod, sign };
}

describe('device HTTP channel: /auth/devicename (protocol.md §1.4)', () => {
  it('issues iotId and iotToken with the MQTT endpoint, form-encoded or JSON', async () => {
    const { device } = await setup();
    const reply = await post('/auth/devicename', deviceNameRequest(device));
    expect(reply).toMatchObject({
      code: 200,
      message: 'success',
      data: { iotId: expect.any(String), iotToken: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
    expect(reply.data?.resources).toEqual({ mqtt: { host: expect.any(String), port: expect.any(Number) } });
    expect((await post('/auth/devicename', deviceNameRequest(device), true)).code).toBe(200);
  });

  it.each([
    ['a wrong signature', (d: DeviceIdentity) => deviceNameRequest(d, 'f'.repeat(32)), 401],
    ['an unknown device', (d: DeviceIdentity) => ({ ...deviceNameRequest(d), deviceName: 'ghost-device' }), 5001],
    ['no productKey', (d: DeviceIdentity) => ({ ...deviceNameRequest(d), productKey: '' }), 460],
    ['an unsupported signmethod', (d: DeviceIdentity) => ({ ...deviceNameRequest(d), signmethod: 'rot13' }), 460],
  ])('answers %s with code %i', async (_, request, code) => {
    const { device } = await setup();
    expect((await post('/auth/devicename', request(device))).code).toBe(code);
  });
});

describe('device HTTP channel: dynamic registration (protocol.md §1.5)', () => {
  const registration = (pk: string, dn: string, productSecret: string, signMethod = 'HmacMD5') => {
    const params = { productKey: pk, deviceName: dn, random: '567345' };
    const method = signMethod.toLowerCase() === 'hmacsha1' ? 'hmacsha1' : 'hmacmd5';
    return { ...params, signMethod, sign: hmacHex(method, productSecret, signContent(params, SIGN_EXCLUDE.register)) };
  };

  it('issues the DeviceSecret once; a second registration is refused with 6289', async () => {
    const { product, device } = await setup();
    const request = registration(product.productKey, device.deviceName, product.productSecret);
    expect(await post('/auth/register/device', request)).toEqual({
      code: 200,
      message: 'success',
      data: { productKey: product.productKey, deviceName: device.deviceName, deviceSecret: device.deviceSecret },
    });
    expect((await post('/auth/register/device', request)).code).toBe(6289);
  });

  it.each([
    [
      'dynamic registration disabled on the product',
      false,
      (p: { productKey: string; productSecret: string }, dn: string) => registration(p.productKey, dn, p.productSecret),
      6288,
    ],
    [
      'a device that was not pre-registered',
      true,
      (p: { productKey: string; productSecret: string }) =>
        registration(p.productKey, 'not-registered', p.productSecret),
      6100,
    ],
    [
      'a wrong signature',
      true,
      (p: { productKey: string; productSecret: string }, dn: string) => registration(p.productKey, dn, 'f'.repeat(32)),
      401,
    ],
    [
      'a missing random',
      true,
      (p: { productKey: string; productSecret: string }, dn: string) => ({
        ...registration(p.productKey, dn, p.productSecret),
        random: '',
      }),
      460,
    ],
  ])('refuses %s', async (_, dynamic, request, code) => {
    const { product, device } = await setup(dynamic);
    expect((await post('/auth/register/device', request(product, device.deviceName))).code).toBe(code);
    // Nothing was issued: the device can still register once the condition is gone.
    const view = await api.ok<{ activatedAt: string | null }>(
      'GET',
      `/v1/products/${product.productKey}/devices/${device.deviceName}`,
    );
    expect(view.activatedAt).toBeNull();
  });
});
