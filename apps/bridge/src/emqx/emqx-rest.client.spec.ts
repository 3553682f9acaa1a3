import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DomainError, ErrorCode } from '@iot/contracts';
import { FakeEmqx, restFixture as response } from '../../../../test/integration/emqx/emqx-test-kit';
import { EmqxRestClient } from './emqx-rest.client';

const BASIC = `Basic ${Buffer.from('platform-downlink:s3cret').toString('base64')}`;

describe('EmqxRestClient against a local HTTP server', () => {
  const emqx = new FakeEmqx();
  let client: EmqxRestClient;

  beforeAll(async () => {
    await emqx.listen();
    client = new EmqxRestClient({
      apiUrl: `${emqx.url}/`,
      apiKey: 'platform-downlink',
      apiSecret: 's3cret',
      timeoutMs: 300,
    });
  });
  afterAll(() => emqx.close());
  beforeEach(() => emqx.reset());

  describe('publish', () => {
    const downlink = {
      topic: '/sys/a1B2c3D4e5/dev-0001/thing/service/property/set',
      payload: 'eyJvbiI6MX0=',
      qos: 1 as const,
    };

    it('POSTs /publish with Basic auth and a base64 payload; 200 means delivered', async () => {
      emqx.reply(response('rest-publish-200'));
      await expect(client.publish(downlink)).resolves.toEqual({
        delivered: true,
        id: '0006175D40C6E2A8F4450000035A0002',
      });
      expect(emqx.requests).toHaveLength(1);
      const [req] = emqx.requests;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/api/v5/publish');
      expect(req.headers.authorization).toBe(BASIC);
      expect(req.headers['content-type']).toBe('application/json');
      expect(JSON.parse(req.body)).toEqual({
        topic: downlink.topic,
        qos: 1,
        retain: false,
        payload: 'eyJvbiI6MX0=',
        payload_encoding: 'base64',
      });
    });

    it('202 no_matching_subscribers means not delivered', async () => {
      emqx.reply(response('rest-publish-202'));
      await expect(client.publish(downlink)).resolves.toEqual({ delivered: false });
    });

    it.each([
      ['rest-publish-400-topic-invalid', 'topic_name_invalid'],
      ['rest-publish-400-packet-too-large', 'packet_too_large'],
      ['rest-publish-400-bad-request', 'BAD_REQUEST'],
    ])('%s → VALIDATION_FAILED carrying EMQX message', async (name, message) => {
      emqx.reply(response(name));
      const error = await client.publish(downlink).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(ErrorCode.VALIDATION_FAILED);
      expect((error as DomainError).message).toContain(message);
    });

    it.each([
      ['rest-publish-503', 'failed_to_dispatch'],
      ['rest-401-bad-api-key', 'BAD_API_KEY_OR_SECRET'],
    ])('%s → SERVICE_UNAVAILABLE', async (name, message) => {
      emqx.reply(response(name));
      const error = await client.publish(downlink).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe(ErrorCode.SERVICE_UNAVAILABLE);
      expect((error as DomainError).message).toContain(message);
    });

    it('an unexpected status with a non-JSON body → SERVICE_UNAVAILABLE with the text', async () => {
      emqx.reply({ status: 502, headers: { 'content-type': 'text/html' }, body: '<html>Bad Gateway</html>' });
      await expect(client.publish(downlink)).rejects.toMatchObject({
        code: ErrorCode.SERVICE_UNAVAILABLE,
        message: expect.stringContaining('502') as unknown,
      });
    });

    it('no answer within the timeout → SERVICE_UNAVAILABLE', async () => {
      emqx.reply('hang');
      await expect(client.publish(downlink)).rejects.toMatchObject({
        code: ErrorCode.SERVICE_UNAVAILABLE,
        message: expect.stringContaining('no answer within 300 ms') as unknown,
      });
    });

    it('connection refused → SERVICE_UNAVAILABLE', async () => {
      const closed = new FakeEmqx();
      await closed.listen();
      const url = closed.url;
      await closed.close();
      const offline = new EmqxRestClient({ apiUrl: url, apiKey: 'k', apiSecret: 's' });
      await expect(offline.publish(downlink)).rejects.toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE });
    });
  });

  describe('kick', () => {
    const clientId = 'dev-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|';

    it('DELETEs /clients/{url-encoded clientid}; 204 → true', async () => {
      emqx.reply(response('rest-kick-204'));
      await expect(client.kick(clientId)).resolves.toBe(true);
      const [req] = emqx.requests;
      expect(req.method).toBe('DELETE');
      expect(req.url).toBe(`/api/v5/clients/${encodeURIComponent(clientId)}`);
      expect(req.url).not.toContain('|');
      expect(req.headers.authorization).toBe(BASIC);
    });

    it('404 CLIENTID_NOT_FOUND → false (already gone)', async () => {
      emqx.reply(response('rest-kick-404'));
      await expect(client.kick(clientId)).resolves.toBe(false);
    });

    it('401 → SERVICE_UNAVAILABLE', async () => {
      emqx.reply(response('rest-401-bad-api-key'));
      await expect(client.kick(clientId)).rejects.toMatchObject({ code: ErrorCode.SERVICE_UNAVAILABLE });
    });
  });

  describe('listClients', () => {
    it('GETs /clients by username, with RFC 3339 times and nulls', async () => {
      emqx.reply(response('rest-clients-by-username'));
      await expect(client.listClients({ usernames: ['dev-0001&a1B2c3D4e5'] })).resolves.toEqual([
        {
          clientId: 'dev-0001|securemode=3,signmethod=hmacsha1,timestamp=1717000000000|',
          username: 'dev-0001&a1B2c3D4e5',
          connected: true,
          connectedAt: '2024-05-29T16:26:40.001+00:00',
        },
        {
          clientId: 'dev-0001|securemode=2,signmethod=hmacmd5|',
          username: 'dev-0001&a1B2c3D4e5',
          connected: false,
          connectedAt: '2024-05-29T14:00:00.000+00:00',
        },
      ]);
      const [req] = emqx.requests;
      expect(req.method).toBe('GET');
      const url = new URL(req.url, 'http://x');
      expect(url.pathname).toBe('/api/v5/clients');
      expect(url.searchParams.getAll('username')).toEqual(['dev-0001&a1B2c3D4e5']);
      expect(url.searchParams.get('page')).toBe('1');
    });

    it('follows meta.hasnext and repeats clientid filters', async () => {
      const page1 = response('rest-clients-by-username');
      const body = page1.body as { data: unknown[]; meta: Record<string, unknown> };
      emqx.reply(
        { ...page1, body: { data: [body.data[0]], meta: { ...body.meta, hasnext: true } } },
        { ...page1, body: { data: [body.data[1]], meta: { ...body.meta, page: 2 } } },
      );
      const found = await client.listClients({ clientIds: ['a', 'b'] });
      expect(found.map((c) => c.connected)).toEqual([true, false]);
      expect(emqx.requests.map((r) => new URL(r.url, 'http://x').searchParams.get('page'))).toEqual(['1', '2']);
      expect(new URL(emqx.requests[0].url, 'http://x').searchParams.getAll('clientid')).toEqual(['a', 'b']);
    });

    it('nothing to look up → no request', async () => {
      await expect(client.listClients({})).resolves.toEqual([]);
      expect(emqx.requests).toHaveLength(0);
    });
  });

  describe('isUp', () => {
    it('GET /status without credentials; 200 → true', async () => {
      emqx.reply(response('rest-status-200'));
      await expect(client.isUp()).resolves.toBe(true);
      const [req] = emqx.requests;
      expect(req.url).toBe('/api/v5/status');
      expect(req.headers.authorization).toBeUndefined();
    });

    it('503 → false, never throws', async () => {
      emqx.reply(response('rest-status-503'));
      await expect(client.isUp()).resolves.toBe(false);
    });
  });
});
