import { Inject, Injectable } from '@nestjs/common';
import { OTA_DB, type OtaDb } from '../database/ota-db';

@Injectable()
export class DeviceVersionRepository {
  constructor(@Inject(OTA_DB) private readonly db: OtaDb) {}

  /** Records the version and returns the one on record before (null: none). */
  async record(productKey: string, deviceName: string, version: string, at: Date): Promise<string | null> {
    const previous = await this.db.deviceVersion.findUnique({
      where: { productKey_deviceName: { productKey, deviceName } },
      select: { version: true },
    });
    await this.db.deviceVersion.upsert({
      where: { productKey_deviceName: { productKey, deviceName } },
      create: { productKey, deviceName, version, reportedAt: at },
      update: { version, reportedAt: at },
    });
    return previous?.version ?? null;
  }

  /** deviceName → version, for the devices of `names` that reported one. */
  async versionsOf(productKey: string, names: string[]): Promise<Map<string, string>> {
    if (names.length === 0) return new Map();
    const rows = await this.db.deviceVersion.findMany({
      where: { productKey, deviceName: { in: names } },
      select: { deviceName: true, version: true },
    });
    return new Map(rows.map((r) => [r.deviceName, r.version]));
  }

  /** One page of the devices on one of `versions`, by name. */
  async onVersions(
    productKey: string,
    versions: string[],
    page: number,
    pageSize: number,
  ): Promise<{ deviceName: string; version: string }[]> {
    return this.db.deviceVersion.findMany({
      where: { productKey, version: { in: versions } },
      select: { deviceName: true, version: true },
      orderBy: { deviceName: 'asc' },
      skip: (page - 1) * pageSize,
      take: pageSize,
    });
  }
}
