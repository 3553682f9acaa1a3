import { Inject, Injectable } from '@nestjs/common';
import type { ShadowSettings } from '@iot/contracts';
import { SHADOW_DB, type ShadowDb } from '../database/shadow-db';

@Injectable()
export class SettingsRepository {
  /** Reads in flight by product: a storm of connects of one product's devices shares one read (never stale). */
  private readonly reading = new Map<string, Promise<ShadowSettings>>();

  constructor(@Inject(SHADOW_DB) private readonly db: ShadowDb) {}

  get(productKey: string): Promise<ShadowSettings> {
    let read = this.reading.get(productKey);
    if (!read) {
      read = this.read(productKey);
      this.reading.set(productKey, read);
      void read.finally(() => this.reading.delete(productKey)).catch(() => undefined);
    }
    return read;
  }

  private async read(productKey: string): Promise<ShadowSettings> {
    const row = await this.db.shadowSettings.findUnique({ where: { productKey } });
    return { productKey, pushControlOnConnect: row?.pushControlOnConnect ?? false };
  }

  async set(settings: ShadowSettings): Promise<ShadowSettings> {
    const row = await this.db.shadowSettings.upsert({
      where: { productKey: settings.productKey },
      create: settings,
      update: { pushControlOnConnect: settings.pushControlOnConnect },
    });
    return { productKey: row.productKey, pushControlOnConnect: row.pushControlOnConnect };
  }
}
