import { Inject, Injectable } from '@nestjs/common';
import type { ShadowSettings } from '@iot/contracts';
import { SHADOW_DB, type ShadowDb } from '../database/shadow-db';

@Injectable()
export class SettingsRepository {
  constructor(@Inject(SHADOW_DB) private readonly db: ShadowDb) {}

  async get(productKey: string): Promise<ShadowSettings> {
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
