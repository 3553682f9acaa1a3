import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterView, Page, RuleView } from '@iot/contracts';
import { ApiClient, connectDevice, signedConnectOptions, waitFor, type DeviceIdentity } from '@iot/testing';
import { startTestPlatform, type TestPlatform } from '../support/test-platform';

let platform: TestPlatform;
let api: ApiClient;
let server: Server;
let client: MqttClient | undefined;

/** The target: answers `status`, and records each request with the status it got. */
const target = { status: 503, received: [] as { body: { n: number }; status: number }[], url: '' };

// A platform of its own: this test stops and starts apps/rules.
beforeAll(async () => {
  platform = await startTestPlatform();
  api = new ApiClient(platform.info.baseUrl, platform.info.apiKey);
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      target.received.push({ body: JSON.parse(body) as { n: number }, status: target.status });
      res.writeHead(target.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
}, 120_000);

afterAll(async () => {
  client?.end(true);
  server?.closeAllConnections();
  server?.close();
  await platform?.stop();
});

const delivered = (n: number) => target.received.some((r) => r.body.n === n && r.status === 200);

describe('rules durability', () => {
  it(
    'a restart of apps/rules loses neither a delivery waiting for its retry nor messages that arrived meanwhile',
    { timeout: 150_000 },
    async () => {
      const { productKey } = await api.ok<{ productKey: string }>('POST', '/v1/products', { name: 'rules restart' });
      const d = await api.ok<DeviceIdentity>('POST', `/v1/products/${productKey}/devices`, {});
      client = await connectDevice(platform.info.mqttUrl, signedConnectOptions(d));
      const rule = await api.ok<RuleView>('POST', '/v1/rules', {
        name: 'restart',
        enabled: true,
        sql: `SELECT n FROM "/${productKey}/+/user/update"`,
        actions: [{ type: 'http', url: target.url }],
      });
      const topic = `/${productKey}/${d.deviceName}/user/update`;

      // Message 1 fails its first attempt and waits in the retry queue; apps/rules stops meanwhile.
      await client.publishAsync(topic, '{"n":1}', { qos: 1 });
      await waitFor(() => target.received.some((r) => r.body.n === 1), { what: 'the first attempt' });
      await platform.running.stopApp('rules');

      // Messages 2 and 3 arrive while apps/rules is down; then the target recovers and apps/rules comes back.
      await client.publishAsync(topic, '{"n":2}', { qos: 1 });
      await client.publishAsync(topic, '{"n":3}', { qos: 1 });
      target.status = 200;
      await platform.running.startApp('rules');

      await waitFor(() => delivered(1) && delivered(2) && delivered(3), {
        what: 'every message delivered after the restart',
        // A retry a stopping replica had already pulled comes back only after its ack wait (60 s).
        timeoutMs: 90_000,
      });
      await waitFor(async () => (await api.ok<RuleView>('GET', `/v1/rules/${rule.id}`)).counters.succeeded >= 3, {
        what: 'the counters',
      });
      const { counters } = await api.ok<RuleView>('GET', `/v1/rules/${rule.id}`);
      expect(counters).toMatchObject({ matched: 3, deadLettered: 0 });
      expect(counters.failed).toBeGreaterThanOrEqual(1);
      expect((await api.ok<Page<DeadLetterView>>('GET', `/v1/rules/${rule.id}/dead-letters`)).total).toBe(0);

      // The rules app's own /metrics has the rule's counters too.
      const metrics = await (await fetch(`http://127.0.0.1:${platform.running.options.ports.rules}/metrics`)).text();
      expect(metrics).toMatch(new RegExp(`rules_messages_matched_total\\{[^}]*rule="${rule.id}"[^}]*\\} [1-9]`));
      expect(metrics).toMatch(new RegExp(`rules_deliveries_succeeded_total\\{[^}]*rule="${rule.id}"[^}]*\\} [1-9]`));
    },
  );
});
