import { createHash, randomFillSync } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobTooLargeError, FirmwareStore } from './firmware-store';

let root: string;
let store: FirmwareStore;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ota-store-'));
  store = new FirmwareStore(join(root, 'firmware'));
  await store.prepare();
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

/** `total` bytes of fresh random chunks, produced only as fast as the consumer reads them. */
function generated(total: number, chunkSize = 64 * 1024): { stream: Readable; md5: string; sha256: string } {
  const md5 = createHash('md5');
  const sha256 = createHash('sha256');
  let sent = 0;
  const stream = new Readable({
    read() {
      if (sent >= total) {
        this.push(null);
        return;
      }
      const chunk = randomFillSync(Buffer.allocUnsafe(Math.min(chunkSize, total - sent)));
      sent += chunk.length;
      md5.update(chunk);
      sha256.update(chunk);
      this.push(chunk);
    },
  });
  return {
    stream,
    get md5() {
      return md5.copy().digest('hex');
    },
    get sha256() {
      return sha256.copy().digest('hex');
    },
  };
}

describe('FirmwareStore', () => {
  it('stores the bytes under their SHA-256 with MD5 and size, and keeps identical uploads once', async () => {
    const bytes = Buffer.from('firmware image v2.0.0');
    const blob = await store.write(Readable.from([bytes]), 1024);
    expect(blob).toEqual({
      sha256: createHash('sha256').update(bytes).digest('hex'),
      md5: createHash('md5').update(bytes).digest('hex'),
      size: bytes.length,
    });
    expect(await readFile(store.path(blob.sha256))).toEqual(bytes);
    expect(await store.write(Readable.from([bytes]), 1024)).toEqual(blob);
    expect(await readdir(join(root, 'firmware', '.tmp'))).toEqual([]);
    expect(await store.size(blob.sha256)).toBe(bytes.length);
    await store.remove(blob.sha256);
    expect(await store.size(blob.sha256)).toBeUndefined();
  });

  it('refuses more than the limit and leaves nothing behind', async () => {
    await expect(store.write(generated(10_000, 1000).stream, 5_000)).rejects.toBeInstanceOf(BlobTooLargeError);
    expect(await readdir(join(root, 'firmware', '.tmp'))).toEqual([]);
    expect((await readdir(join(root, 'firmware'))).filter((f) => f !== '.tmp')).toEqual([]);
  });

  it('reads byte ranges back', async () => {
    const blob = await store.write(Readable.from([Buffer.from('0123456789')]), 100);
    const chunks: Buffer[] = [];
    for await (const c of store.open(blob.sha256, { start: 3, end: 6 })) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('3456');
  });

  it('streams 100 MB without holding it in memory', async () => {
    const size = 100 * 1024 * 1024;
    const source = generated(size);
    const used = () => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
    const before = used();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, used())), 5);
    const blob = await store.write(source.stream, 200 * 1024 * 1024).finally(() => clearInterval(sampler));
    expect(blob).toEqual({ size, md5: source.md5, sha256: source.sha256 });
    expect(await store.size(blob.sha256)).toBe(size);
    // Buffering the upload would add at least 100 MB; streaming stays at a few chunks plus garbage not yet
    // collected (about 30 MB here).
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
    await store.remove(blob.sha256);
  }, 60_000);
});
