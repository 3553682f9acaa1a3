import { createHash, randomFillSync } from 'node:crypto';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterEach, describe, expect, it } from 'vitest';
import type { DomainError, FirmwareView, RpcReply } from '@iot/contracts';
import { forwardUpload } from './firmware-upload.client';

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      const closed = new Promise((r) => s.close(r));
      s.closeAllConnections();
      return closed;
    }),
  );
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** apps/api's side: the handler forwards its request body and answers with the outcome. */
function proxy(otaUrl: string): Promise<string> {
  return listen((req, res) => {
    forwardUpload(
      `${otaUrl}/internal/firmware`,
      'token-of-sixteen-chars',
      { productKey: 'a1PK', version: '2.0' },
      req,
    ).then(
      (data) => res.writeHead(201).end(JSON.stringify(data)),
      (error: DomainError) => res.writeHead(400).end(JSON.stringify({ code: error.code, message: error.message })),
    );
  });
}

/** An application uploading `size` random bytes, produced only as fast as they are taken. */
async function upload(url: string, size: number): Promise<{ status: number; body: unknown; sha256: string }> {
  const sha256 = createHash('sha256');
  let sent = 0;
  const source = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(64 * 1024, size - sent)));
      sent += chunk.length;
      sha256.update(chunk);
      this.push(chunk);
    },
  });
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(Buffer.concat(chunks).toString()),
          sha256: sha256.digest('hex'),
        }),
      );
    });
    req.on('error', reject);
    pipeline(source, req).catch(() => undefined);
  });
}

describe('forwardUpload', () => {
  it('streams 100 MB to apps/ota without holding it, with the metadata and the internal token', async () => {
    let seen: { query: string; token: unknown; sha256: string; size: number } | undefined;
    const ota = await listen((req, res) => {
      const hash = createHash('sha256');
      let size = 0;
      req.on('data', (c: Buffer) => {
        hash.update(c);
        size += c.length;
      });
      req.on('end', () => {
        seen = { query: req.url ?? '', token: req.headers['x-ota-internal-token'], sha256: hash.digest('hex'), size };
        const reply: RpcReply<Partial<FirmwareView>> = { ok: true, data: { id: 'fw_1', size, sha256: seen.sha256 } };
        res.writeHead(201).end(JSON.stringify(reply));
      });
    });
    const api = await proxy(ota);
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, used())), 5);
    const size = 100 * 1024 * 1024;
    const result = await upload(api, size).finally(() => clearInterval(sampler));
    expect(result.status).toBe(201);
    expect(result.body).toEqual({ id: 'fw_1', size, sha256: result.sha256 });
    expect(seen).toEqual({
      query: '/internal/firmware?productKey=a1PK&version=2.0',
      token: 'token-of-sixteen-chars',
      sha256: result.sha256,
      size,
    });
    // Buffering anywhere on the way would add at least 100 MB.
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it("passes apps/ota's refusal on with its code, even when apps/ota answers before reading the body", async () => {
    const ota = await listen((req, res) => {
      req.resume();
      const reply: RpcReply<never> = {
        ok: false,
        error: { code: 'FIRMWARE_ALREADY_EXISTS', message: 'Product a1PK already has firmware 2.0' },
      };
      res.writeHead(400).end(JSON.stringify(reply));
    });
    const result = await upload(await proxy(ota), 5 * 1024 * 1024);
    expect(result).toMatchObject({
      status: 400,
      body: { code: 'FIRMWARE_ALREADY_EXISTS', message: 'Product a1PK already has firmware 2.0' },
    });
  });

  it('reports apps/ota being unreachable as SERVICE_UNAVAILABLE', async () => {
    const result = await upload(await proxy('http://127.0.0.1:1'), 1024);
    expect(result).toMatchObject({ status: 400, body: { code: 'SERVICE_UNAVAILABLE' } });
  });
});
