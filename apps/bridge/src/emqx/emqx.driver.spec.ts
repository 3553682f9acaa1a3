import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '@iot/contracts';
import type { HealthRegistry, ReadinessCheck } from '@iot/runtime';
import { waitFor } from '@iot/testing';
import { FakeEmqx, restFixture } from '../../../../test/integration/emqx/emqx-test-kit';
import { EmqxRestClient } from './emqx-rest.client';
import { EmqxDriver } from './emqx.driver';

describe('EmqxDriver', () => {
  const emqx = new FakeEmqx();
  const checks = new Map<string, ReadinessCheck>();
  const health = {
    register: (name: string, check: ReadinessCheck) => void checks.set(name, check),
  } as unknown as HealthRegistry;
  let driver: EmqxDriver;

  beforeAll(() => {
    Logger.overrideLogger(false);
    return emqx.listen();
  });
  afterAll(() => emqx.close());
  beforeEach(() => {
    emqx.reset();
    checks.clear();
    const rest = new EmqxRestClient({ apiUrl: emqx.url, apiKey: 'k', apiSecret: 's', timeoutMs: 500 });
    driver = new EmqxDriver(rest, { retryInitialMs: 5, retryMaxMs: 20 }, health, {
      kickSubSession: () => Promise.resolve(false),
    });
  });
  afterEach(() => driver.stop());

  describe('readiness', () => {
    it('is not ready before start, and becomes ready once GET /status answers 200', async () => {
      emqx.reply(restFixture('rest-status-503'), restFixture('rest-status-503'), restFixture('rest-status-200'));
      expect(driver.isReady()).toBe(false);
      await driver.start();
      await waitFor(() => driver.isReady(), { timeoutMs: 5_000, what: 'EMQX ready' });
      const probes = emqx.requests.filter((r) => r.url === '/api/v5/status');
      expect(probes).toHaveLength(3);
      expect(probes.every((r) => r.headers.authorization === undefined)).toBe(true);
      expect(await checks.get('emqx')?.()).toBe(true);
    });

    it('start() returns at once and stays not ready while EMQX is down', async () => {
      emqx.reply(restFixture('rest-status-503'));
      await driver.start();
      expect(driver.isReady()).toBe(false);
      await waitFor(() => emqx.requests.length >= 4, { timeoutMs: 5_000, what: 'several probes' });
      expect(driver.isReady()).toBe(false);
      expect(await checks.get('emqx')?.()).toBe(false);
    });
  });

  describe('publish', () => {
    const downlink = { topic: '/shadow/get/a1B2c3D4e5/dev-0001', payload: 'e30=', qos: 1 as const };

    it('maps 200 to delivered and 202 to not delivered', async () => {
      emqx.reply(restFixture('rest-publish-200'), restFixture('rest-publish-202'));
      await expect(driver.publish(downlink)).resolves.toEqual({ delivered: true });
      await expect(driver.publish(downlink)).resolves.toEqual({ delivered: false });
    });

    it('lets DomainErrors through', async () => {
      emqx.reply(restFixture('rest-publish-503'));
      await expect(driver.publish(downlink)).rejects.toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE });
    });
  });

  describe('kick', () => {
    it('kicks the named clientId only', async () => {
      emqx.reply(restFixture('rest-kick-204'));
      await driver.kick({
        productKey: 'a1B2c3D4e5',
        deviceName: 'dev-0001',
        clientId: 'c|securemode=3|',
        reason: 'disabled',
      });
      expect(emqx.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
        `DELETE /api/v5/clients/${encodeURIComponent('c|securemode=3|')}`,
      ]);
    });

    it('without clientId, kicks every session found by the username deviceName&productKey', async () => {
      emqx.reply(restFixture('rest-clients-by-username'), restFixture('rest-kick-204'), restFixture('rest-kick-404'));
      await driver.kick({ productKey: 'a1B2c3D4e5', deviceName: 'dev-0001', reason: 'deleted' });
      const [lookup, ...kicks] = emqx.requests;
      expect(new URL(lookup.url, 'http://x').searchParams.getAll('username')).toEqual(['dev-0001&a1B2c3D4e5']);
      expect(kicks.map((r) => `${r.method} ${decodeURIComponent(r.url)}`).sort()).toEqual([
        'DELETE /api/v5/clients/dev-0001|securemode=2,signmethod=hmacmd5|',
        'DELETE /api/v5/clients/dev-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|',
      ]);
    });

    it('without clientId and no session, does nothing', async () => {
      emqx.reply(restFixture('rest-clients-empty'));
      await driver.kick({ productKey: 'a1B2c3D4e5', deviceName: 'dev-0001', reason: 'disabled' });
      expect(emqx.requests).toHaveLength(1);
    });
  });
});
