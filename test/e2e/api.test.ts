import { describe, expect, inject, it } from 'vitest';
import { ApiClient } from '@iot/testing';

const platform = inject('platform');
const api = new ApiClient(platform.baseUrl, platform.apiKey);

describe('applications API: products and devices', () => {
  it('refuses calls without a valid API key, but serves health without one', async () => {
    expect((await api.call('GET', '/v1/products/whatever', undefined, null)).status).toBe(401);
    const wrong = await api.call('GET', '/v1/products/whatever', undefined, 'not-a-key');
    expect(wrong).toEqual({ status: 401, body: { code: 'UNAUTHORIZED', message: 'Invalid API key' } });
    expect((await api.call('GET', '/health/ready', undefined, null)).status).toBe(200);
  });

  it('creates, reads, updates and deletes a product', async () => {
    const created = await api.call<Record<string, unknown>>('POST', '/v1/products', {
      name: 'Lightbulb',
      dynamicRegistration: true,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Lightbulb', nodeType: 'device', dynamicRegistration: true });
    expect(created.body.productKey).toMatch(/^a1[A-Za-z0-9]{9}$/);
    expect(created.body.productSecret).toMatch(/^[0-9a-f]{32}$/);
    const pk = created.body.productKey as string;

    const read = await api.ok<Record<string, unknown>>('GET', `/v1/products/${pk}`);
    expect(read).toMatchObject({ productKey: pk, name: 'Lightbulb' });
    expect(read).not.toHaveProperty('productSecret');

    expect(await api.ok('PATCH', `/v1/products/${pk}`, { name: 'Bulb v2', dynamicRegistration: false })).toMatchObject({
      name: 'Bulb v2',
      dynamicRegistration: false,
    });
    expect((await api.call('DELETE', `/v1/products/${pk}`)).status).toBe(204);
    expect(await api.call('GET', `/v1/products/${pk}`)).toMatchObject({
      status: 404,
      body: { code: 'PRODUCT_NOT_FOUND' },
    });
  });

  it('answers bad input with 400 and a clear message, and stores nothing', async () => {
    const noName = await api.call<{ code: string; message: string }>('POST', '/v1/products', {});
    expect(noName.status).toBe(400);
    expect(noName.body.code).toBe('VALIDATION_FAILED');
    expect(noName.body.message).toMatch(/name/);
    expect((await api.call('POST', '/v1/products', { name: 'x', nodeType: 'toaster' })).status).toBe(400);
    expect((await api.call('POST', '/v1/products', { name: 'x', extra: 1 })).status).toBe(400);

    const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'Validation' });
    const badName = await api.call<{ code: string }>('POST', `/v1/products/${productKey}/devices`, {
      deviceName: 'a b',
    });
    expect(badName).toMatchObject({ status: 400, body: { code: 'VALIDATION_FAILED' } });
    expect((await api.call('POST', `/v1/products/${productKey}/devices`, { deviceName: 'abc' })).status).toBe(400);
    const list = await api.ok<{ total: number }>('GET', `/v1/products/${productKey}/devices`);
    expect(list.total).toBe(0);
  });

  it('creates devices, lists them by page and status, disables, enables and deletes them', async () => {
    const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'Fleet' });
    const created = await api.call<Record<string, unknown>>('POST', `/v1/products/${productKey}/devices`, {
      deviceName: 'dev.0001',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ productKey, deviceName: 'dev.0001', status: 'inactive', disabled: false });
    expect(created.body.deviceSecret).toMatch(/^[0-9a-f]{32}$/);
    expect(created.body.iotId).toEqual(expect.any(String));

    const generated = await api.ok<{ deviceName: string }>('POST', `/v1/products/${productKey}/devices`, {});
    expect(generated.deviceName).toMatch(/^[A-Za-z0-9]{20}$/);
    const duplicate = await api.call('POST', `/v1/products/${productKey}/devices`, { deviceName: 'dev.0001' });
    expect(duplicate).toMatchObject({ status: 409, body: { code: 'DEVICE_ALREADY_EXISTS' } });

    const page = await api.ok<{ items: { deviceName: string }[]; total: number; pageSize: number }>(
      'GET',
      `/v1/products/${productKey}/devices?page=1&pageSize=1&status=inactive`,
    );
    expect(page.total).toBe(2);
    expect(page.items).toHaveLength(1);
    expect((await api.call('GET', `/v1/products/${productKey}/devices?pageSize=500`)).status).toBe(400);

    const device = await api.ok<Record<string, unknown>>('GET', `/v1/products/${productKey}/devices/dev.0001`);
    expect(device).toEqual({
      productKey,
      deviceName: 'dev.0001',
      iotId: created.body.iotId,
      status: 'inactive',
      disabled: false,
      createdAt: expect.any(String),
      activatedAt: null,
      lastOnlineAt: null,
      ip: null,
      firmwareVersion: null,
      tags: {},
    });
    expect(await api.ok('POST', `/v1/products/${productKey}/devices/dev.0001/disable`)).toMatchObject({
      disabled: true,
    });
    expect(await api.ok('POST', `/v1/products/${productKey}/devices/dev.0001/enable`)).toMatchObject({
      disabled: false,
    });

    expect((await api.call('DELETE', `/v1/products/${productKey}`)).status).toBe(409);
    expect((await api.call('DELETE', `/v1/products/${productKey}/devices/dev.0001`)).status).toBe(204);
    expect(await api.call('GET', `/v1/products/${productKey}/devices/dev.0001`)).toMatchObject({
      status: 404,
      body: { code: 'DEVICE_NOT_FOUND' },
    });
    expect((await api.call('GET', `/v1/products/nope0000000/devices/dev.0001`)).status).toBe(404);
  });

  it('issues API keys that work, storing only their hash', async () => {
    const created = await api.ok<{ key: string; name: string }>('POST', '/v1/api-keys', { name: 'ci' });
    expect(created.key).toMatch(/^ak_/);
    const other = new ApiClient(platform.baseUrl, created.key);
    expect((await other.call('POST', '/v1/products', { name: 'With a minted key' })).status).toBe(201);
  });

  it('publishes an OpenAPI document at /docs', async () => {
    const res = await fetch(`${platform.baseUrl}/docs-json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/products', '/v1/products/{productKey}/devices/{deviceName}']),
    );
  });
});
