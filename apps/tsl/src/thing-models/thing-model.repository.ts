import { Inject, Injectable } from '@nestjs/common';
import { TSL_DB, type TslDb } from '../database/tsl-db';
import type { ThingModel } from '../model/tsl-types';

@Injectable()
export class ThingModelRepository {
  constructor(@Inject(TSL_DB) private readonly db: TslDb) {}

  async find(productKey: string): Promise<ThingModel | undefined> {
    const row = await this.db.thingModel.findUnique({ where: { productKey } });
    return row ? (row.model as unknown as ThingModel) : undefined;
  }

  async save(productKey: string, model: ThingModel): Promise<void> {
    const json = model as unknown as object;
    await this.db.thingModel.upsert({
      where: { productKey },
      create: { productKey, model: json },
      update: { model: json, updatedAt: new Date() },
    });
  }
}
