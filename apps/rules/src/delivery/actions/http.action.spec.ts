import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpActionRunner } from './http.action';

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ url: req.url ?? '', headers: req.headers, body });
      if (req.url === '/ok') res.writeHead(204).end();
      else if (req.url === '/created') res.writeHead(201).end('{"id":1}');
      else if (req.url === '/basic' || req.url === '/header') res.writeHead(200).end();
      else if (req.url === '/fail') res.writeHead(503, 'Service Unavailable').end('down');
      else if (req.url === '/redirect') res.writeHead(302, { location: '/ok' }).end();
      // /slow never answers
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const runner = new HttpActionRunner();
const context = { deliveryKey: 'msg-1/rule-1/0', ruleId: 'rule-1' };

describe('http action', () => {
  it('POSTs the output as JSON with the delivery key and the operator headers', async () => {
    await runner.run(
      { type: 'http', url: `${base}/ok`, headers: { authorization: 'Bearer s3cret' } },
      { t: 39.5 },
      context,
    );
    const request = seen.find((s) => s.url === '/ok')!;
    expect(JSON.parse(request.body)).toEqual({ t: 39.5 });
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'msg-1/rule-1/0',
      'x-rule-id': 'rule-1',
      authorization: 'Bearer s3cret',
    });
  });

  it('sends credentials of the URL as Basic authentication, and an Authorization header wins', async () => {
    const withUser = base.replace('http://', 'http://hook:p%40ss@');
    await runner.run({ type: 'http', url: `${withUser}/basic` }, {}, context);
    expect(seen.find((s) => s.url === '/basic')!.headers.authorization).toBe(
      `Basic ${Buffer.from('hook:p@ss').toString('base64')}`,
    );
    await runner.run({ type: 'http', url: `${withUser}/header`, headers: { Authorization: 'Bearer b' } }, {}, context);
    expect(seen.find((s) => s.url === '/header')!.headers.authorization).toBe('Bearer b');
  });

  it('never shows the password of the URL in an error', async () => {
    await expect(runner.run({ type: 'http', url: 'http://hook:hunter2@127.0.0.1:1/x' }, {}, context)).rejects.toThrow(
      'POST http://hook:******@127.0.0.1:1/x: fetch failed',
    );
  });

  it('takes any 2xx as a success', async () => {
    await expect(runner.run({ type: 'http', url: `${base}/created` }, {}, context)).resolves.toBeUndefined();
  });

  it.each([
    ['/fail', 'HTTP 503 Service Unavailable'],
    ['/redirect', 'HTTP 302'],
  ])('fails on %s: %s', async (path, message) => {
    await expect(runner.run({ type: 'http', url: `${base}${path}` }, {}, context)).rejects.toThrow(message);
  });

  it('fails when the target does not answer within the timeout', async () => {
    const started = Date.now();
    await expect(runner.run({ type: 'http', url: `${base}/slow`, timeoutMs: 200 }, {}, context)).rejects.toThrow(
      'no answer within 200 ms',
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('fails when nothing listens', async () => {
    await expect(runner.run({ type: 'http', url: 'http://127.0.0.1:1/x' }, {}, context)).rejects.toThrow(
      /POST http:\/\/127\.0\.0\.1:1\/x: fetch failed/,
    );
  });
});
