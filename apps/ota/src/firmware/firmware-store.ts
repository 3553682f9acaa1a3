import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { access, constants, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { SHA256_HEX } from './download-url';

export interface StoredBlob {
  sha256: string;
  md5: string;
  size: number;
}

/** Bytes received and hashed, in a temporary file until committed. */
export interface StagedBlob extends StoredBlob {
  tmpFile: string;
}

/** The upload went past the size limit; nothing was kept. */
export class BlobTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
    this.name = 'BlobTooLargeError';
  }
}

/**
 * Firmware bytes on local disk, one file per SHA-256 under `root` (content-addressed: the same image uploaded
 * twice is stored once). Writes stream through the hashes into a temporary file on the same file system, then
 * rename into place, so a reader never sees a partial file and memory stays flat whatever the size.
 */
export class FirmwareStore {
  private readonly tmp: string;

  constructor(readonly root: string) {
    this.tmp = join(root, '.tmp');
  }

  /** Creates the directories and fails with a clear message when they are not writable. */
  async prepare(): Promise<void> {
    try {
      await mkdir(this.tmp, { recursive: true });
      await access(this.root, constants.W_OK);
    } catch (error) {
      throw new Error(
        `OTA_STORAGE_DIR ${this.root} is not a writable directory: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }

  /** Streams `source` to a temporary file while hashing it; nothing is kept when it fails. */
  async stage(source: Readable, maxBytes: number): Promise<StagedBlob> {
    const tmpFile = join(this.tmp, randomUUID());
    const hasher = new HashingStream(maxBytes);
    try {
      await pipeline(source, hasher, createWriteStream(tmpFile, { flags: 'wx' }));
      return { ...hasher.result(), tmpFile };
    } catch (error) {
      await unlink(tmpFile).catch(() => undefined);
      throw error;
    }
  }

  /** Moves a staged blob into place (or drops it when the same bytes are stored already). */
  async commit(staged: StagedBlob): Promise<StoredBlob> {
    const target = this.path(staged.sha256);
    if (await exists(target)) await unlink(staged.tmpFile);
    else await rename(staged.tmpFile, target);
    return { sha256: staged.sha256, md5: staged.md5, size: staged.size };
  }

  async discard(staged: StagedBlob): Promise<void> {
    await unlink(staged.tmpFile).catch(() => undefined);
  }

  /** {@link stage} then {@link commit}. */
  async write(source: Readable, maxBytes: number): Promise<StoredBlob> {
    return this.commit(await this.stage(source, maxBytes));
  }

  path(sha256: string): string {
    if (!SHA256_HEX.test(sha256)) throw new Error(`not a SHA-256: ${sha256}`);
    return join(this.root, sha256);
  }

  /** Size in bytes, or undefined when the blob is not here. */
  async size(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.path(sha256))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  /** Bytes `start`…`end` inclusive (the whole file without them). */
  open(sha256: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.path(sha256), range);
  }

  async remove(sha256: string): Promise<void> {
    try {
      await unlink(this.path(sha256));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}

/** Passes bytes through unchanged, computing MD5, SHA-256 and the size on the way. */
class HashingStream extends Transform {
  private readonly md5 = createHash('md5');
  private readonly sha256 = createHash('sha256');
  private size = 0;
  private digests?: StoredBlob;

  constructor(private readonly maxBytes: number) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.maxBytes) return callback(new BlobTooLargeError(this.maxBytes));
    this.md5.update(chunk);
    this.sha256.update(chunk);
    callback(null, chunk);
  }

  override _flush(callback: TransformCallback): void {
    this.digests = { sha256: this.sha256.digest('hex'), md5: this.md5.digest('hex'), size: this.size };
    callback();
  }

  result(): StoredBlob {
    if (!this.digests) throw new Error('stream not finished');
    return this.digests;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
