import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  AuthRpc,
  DomainError,
  ErrorCode,
  type FirmwareUploadQuery,
  type FirmwareView,
  type Page,
  type PageRequest,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import { KeyedLock } from '@iot/runtime';
import { CampaignRepository } from '../campaigns/campaign.repository';
import { OTA_CONFIG, type OtaConfig } from '../config/ota.env';
import type { Firmware } from '../generated/prisma/client';
import { BlobTooLargeError, FirmwareStore } from './firmware-store';
import { FirmwareRepository, toFirmwareView } from './firmware.repository';

const VERSION = /^[\x21-\x7e]{1,64}$/;
const MAX_PAGE_SIZE = 200;

/**
 * Firmware images: metadata in Postgres, bytes content-addressed on disk. Uploads stream (never held in
 * memory); a file is removed when the last firmware record using it is deleted.
 */
@Injectable()
export class FirmwareService implements OnModuleInit {
  /** Per SHA-256: committing a file and deleting it do not interleave. */
  private readonly fileLock = new KeyedLock();
  /** Firmware records never change: the rollout reads them once. */
  private readonly cache = new Map<string, Firmware>();

  constructor(
    @Inject(FirmwareRepository) private readonly firmware: FirmwareRepository,
    @Inject(CampaignRepository) private readonly campaigns: CampaignRepository,
    @Inject(FirmwareStore) private readonly store: FirmwareStore,
    @Inject(Bus) private readonly bus: Bus,
    @Inject(OTA_CONFIG) private readonly config: OtaConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.store.prepare();
  }

  async upload(query: FirmwareUploadQuery, body: Readable): Promise<FirmwareView> {
    const q = checkUpload(query);
    await this.bus.request(AuthRpc.getProduct, { productKey: q.productKey });
    if (await this.firmware.findVersion(q.productKey, q.version)) throw exists(q);
    let staged;
    try {
      staged = await this.store.stage(body, this.config.OTA_MAX_FIRMWARE_BYTES);
    } catch (error) {
      if (error instanceof BlobTooLargeError)
        throw new DomainError(ErrorCode.FIRMWARE_TOO_LARGE, `Firmware larger than ${error.limit} bytes`);
      throw error;
    }
    const blob = staged;
    if ((q.md5 && q.md5 !== blob.md5) || (q.sha256 && q.sha256 !== blob.sha256)) {
      await this.store.discard(blob);
      throw new DomainError(
        ErrorCode.FIRMWARE_CHECKSUM_MISMATCH,
        `Received ${blob.size} bytes with MD5 ${blob.md5} and SHA-256 ${blob.sha256}, not what the upload announced`,
      );
    }
    return this.fileLock.run(blob.sha256, async () => {
      await this.store.commit(blob);
      const created = await this.firmware.create({
        id: `fw_${randomBytes(8).toString('hex')}`,
        productKey: q.productKey,
        name: q.name ?? `${q.productKey} ${q.version}`,
        version: q.version,
        description: q.description ?? null,
        size: BigInt(blob.size),
        md5: blob.md5,
        sha256: blob.sha256,
      });
      if (!created) {
        await this.removeFileIfUnused(blob.sha256);
        throw exists(q);
      }
      return toFirmwareView(created);
    });
  }

  async list(r: PageRequest & { productKey?: string }): Promise<Page<FirmwareView>> {
    const { page, pageSize } = paging(r);
    const { items, total } = await this.firmware.list(r.productKey, page, pageSize);
    return { items: items.map(toFirmwareView), page, pageSize, total };
  }

  async get(id: string): Promise<FirmwareView> {
    return toFirmwareView(await this.require(id));
  }

  /** The record, for campaigns and upgrade messages. */
  async require(id: string): Promise<Firmware> {
    const cached = this.cache.get(id);
    if (cached) return cached;
    const found = await this.firmware.find(id);
    if (!found) throw new DomainError(ErrorCode.FIRMWARE_NOT_FOUND, `Firmware ${id} not found`);
    if (this.cache.size > 1_000) this.cache.clear();
    this.cache.set(id, found);
    return found;
  }

  /** Only while no running campaign uses it; the file goes with the last record that names it. */
  async delete(id: string): Promise<{ deleted: true }> {
    const found = await this.require(id);
    if ((await this.campaigns.runningWithFirmware(id)) > 0)
      throw new DomainError(ErrorCode.FIRMWARE_IN_USE, `Firmware ${id} is used by a running campaign`);
    await this.fileLock.run(found.sha256, async () => {
      await this.firmware.delete(id);
      this.cache.delete(id);
      await this.removeFileIfUnused(found.sha256);
    });
    return { deleted: true };
  }

  private async removeFileIfUnused(sha256: string): Promise<void> {
    if ((await this.firmware.countBySha256(sha256)) === 0) await this.store.remove(sha256);
  }
}

function checkUpload(q: FirmwareUploadQuery): FirmwareUploadQuery {
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const productKey = str(q.productKey);
  const version = str(q.version);
  if (!productKey) throw invalid('productKey: required');
  if (!version || !VERSION.test(version)) throw invalid('version: 1 to 64 printable characters without spaces');
  const name = str(q.name);
  if (name !== undefined && (name.length === 0 || name.length > 128)) throw invalid('name: 1 to 128 characters');
  const description = str(q.description);
  if (description !== undefined && description.length > 1024) throw invalid('description: at most 1024 characters');
  const md5 = str(q.md5)?.toLowerCase();
  if (md5 !== undefined && !/^[0-9a-f]{32}$/.test(md5)) throw invalid('md5: 32 hex digits');
  const sha256 = str(q.sha256)?.toLowerCase();
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) throw invalid('sha256: 64 hex digits');
  return { productKey, version, name, description, md5, sha256 };
}

export function paging(r: PageRequest): { page: number; pageSize: number } {
  const page = r.page ?? 1;
  const pageSize = r.pageSize ?? 20;
  if (!Number.isInteger(page) || page < 1) throw invalid('page: an integer from 1');
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw invalid(`pageSize: an integer from 1 to ${MAX_PAGE_SIZE}`);
  return { page, pageSize };
}

const invalid = (message: string) => new DomainError(ErrorCode.VALIDATION_FAILED, message);
const exists = (q: FirmwareUploadQuery) =>
  new DomainError(ErrorCode.FIRMWARE_ALREADY_EXISTS, `Product ${q.productKey} already has firmware ${q.version}`);
