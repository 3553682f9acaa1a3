import { Inject, Injectable } from '@nestjs/common';
import type { FirmwareView } from '@iot/contracts';
import { OTA_DB, type OtaDb } from '../database/ota-db';
import { Prisma, type Firmware } from '../generated/prisma/client';

export type NewFirmware = Omit<Firmware, 'createdAt'>;

@Injectable()
export class FirmwareRepository {
  constructor(@Inject(OTA_DB) private readonly db: OtaDb) {}

  /** Inserts the firmware; undefined when the product already has this version. */
  async create(data: NewFirmware): Promise<Firmware | undefined> {
    try {
      return await this.db.firmware.create({ data });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002') return undefined;
      throw error;
    }
  }

  find(id: string): Promise<Firmware | null> {
    return this.db.firmware.findUnique({ where: { id } });
  }

  findVersion(productKey: string, version: string): Promise<Firmware | null> {
    return this.db.firmware.findUnique({ where: { productKey_version: { productKey, version } } });
  }

  async list(
    productKey: string | undefined,
    page: number,
    pageSize: number,
  ): Promise<{ items: Firmware[]; total: number }> {
    const where = productKey ? { productKey } : {};
    const [items, total] = await this.db.$transaction([
      this.db.firmware.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        skip: (page - 1) * pageSize,
        take: pageSize,
      }),
      this.db.firmware.count({ where }),
    ]);
    return { items, total };
  }

  async delete(id: string): Promise<Firmware | undefined> {
    try {
      return await this.db.firmware.delete({ where: { id } });
    } catch (error) {
      if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2025') return undefined;
      throw error;
    }
  }

  /** Firmware records sharing one stored file. */
  countBySha256(sha256: string): Promise<number> {
    return this.db.firmware.count({ where: { sha256 } });
  }
}

export function toFirmwareView(f: Firmware): FirmwareView {
  return {
    id: f.id,
    productKey: f.productKey,
    name: f.name,
    version: f.version,
    description: f.description,
    size: Number(f.size),
    md5: f.md5,
    sha256: f.sha256,
    createdAt: f.createdAt.toISOString(),
  };
}
