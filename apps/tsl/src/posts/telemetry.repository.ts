import { Inject, Injectable } from '@nestjs/common';
import type { DroppedValueView, EventView, HistoryPage, HistoryRequest, PropertyValueView } from '@iot/contracts';
import { TSL_DB, type TslDb } from '../database/tsl-db';
import type { DroppedValue } from './alink-posts';

export const MAX_PAGE = 1000;

/** Property values (latest and history), events and dropped values of devices. */
@Injectable()
export class TelemetryRepository {
  constructor(@Inject(TSL_DB) private readonly db: TslDb) {}

  async saveProperties(
    productKey: string,
    deviceName: string,
    accepted: Record<string, { value: unknown; time: number }>,
  ): Promise<void> {
    const entries = Object.entries(accepted);
    if (entries.length === 0) return;
    await this.db.$transaction([
      this.db.propertyHistory.createMany({
        data: entries.map(([identifier, v]) => ({
          productKey,
          deviceName,
          identifier,
          value: v.value as object,
          time: BigInt(v.time),
        })),
      }),
      // The latest value moves only forward in device time, so a late, older report does not overwrite it.
      ...entries.map(
        ([identifier, v]) => this.db.$executeRaw`
        INSERT INTO "tsl"."PropertyValue" ("productKey", "deviceName", "identifier", "value", "time", "receivedAt")
        VALUES (${productKey}, ${deviceName}, ${identifier}, ${JSON.stringify(v.value)}::jsonb, ${BigInt(v.time)}, now())
        ON CONFLICT ("productKey", "deviceName", "identifier") DO UPDATE
          SET "value" = EXCLUDED."value", "time" = EXCLUDED."time", "receivedAt" = now()
          WHERE "PropertyValue"."time" <= EXCLUDED."time"`,
      ),
    ]);
  }

  async saveEvent(
    productKey: string,
    deviceName: string,
    e: { identifier: string; type: string; output: object; time: number },
  ): Promise<void> {
    await this.db.eventRecord.create({
      data: { productKey, deviceName, identifier: e.identifier, type: e.type, output: e.output, time: BigInt(e.time) },
    });
  }

  async saveDropped(
    productKey: string,
    deviceName: string,
    kind: string,
    dropped: DroppedValue[],
    requestId?: string,
  ): Promise<void> {
    if (dropped.length === 0) return;
    await this.db.droppedValue.createMany({
      data: dropped.map((d) => ({
        productKey,
        deviceName,
        kind,
        identifier: d.identifier,
        value: d.value === undefined ? undefined : (d.value as object),
        reason: d.reason,
        requestId: requestId ?? null,
      })),
    });
  }

  async latest(productKey: string, deviceName: string): Promise<PropertyValueView[]> {
    const rows = await this.db.propertyValue.findMany({
      where: { productKey, deviceName },
      orderBy: { identifier: 'asc' },
    });
    return rows.map((r) => ({ identifier: r.identifier, value: r.value, time: Number(r.time) }));
  }

  /** Values with a device time in [from, to), in the order received, paged by a cursor (the last row's id). */
  async history(q: HistoryRequest & { identifier: string }): Promise<HistoryPage<PropertyValueView>> {
    const limit = pageSize(q.limit);
    const rows = await this.db.propertyHistory.findMany({
      where: {
        productKey: q.productKey,
        deviceName: q.deviceName,
        identifier: q.identifier,
        time: timeRange(q),
        ...afterCursor(q.cursor),
      },
      orderBy: { id: 'asc' },
      take: limit + 1,
    });
    return page(rows, limit, (r) => ({ identifier: r.identifier, value: r.value, time: Number(r.time) }));
  }

  async events(q: HistoryRequest): Promise<HistoryPage<EventView>> {
    const limit = pageSize(q.limit);
    const rows = await this.db.eventRecord.findMany({
      where: {
        productKey: q.productKey,
        deviceName: q.deviceName,
        ...(q.identifier ? { identifier: q.identifier } : {}),
        time: timeRange(q),
        ...afterCursor(q.cursor),
      },
      orderBy: { id: 'asc' },
      take: limit + 1,
    });
    return page(rows, limit, (r) => ({
      identifier: r.identifier,
      type: r.type,
      output: r.output as Record<string, unknown>,
      time: Number(r.time),
    }));
  }

  async dropped(q: HistoryRequest): Promise<HistoryPage<DroppedValueView>> {
    const limit = pageSize(q.limit);
    const rows = await this.db.droppedValue.findMany({
      where: {
        productKey: q.productKey,
        deviceName: q.deviceName,
        ...(q.identifier ? { identifier: q.identifier } : {}),
        at: {
          ...(q.from !== undefined ? { gte: new Date(q.from) } : {}),
          ...(q.to !== undefined ? { lt: new Date(q.to) } : {}),
        },
        ...afterCursor(q.cursor),
      },
      orderBy: { id: 'asc' },
      take: limit + 1,
    });
    return page(rows, limit, (r) => ({
      kind: r.kind,
      identifier: r.identifier,
      value: r.value,
      reason: r.reason,
      requestId: r.requestId,
      at: r.at.toISOString(),
    }));
  }
}

function pageSize(limit?: number): number {
  return Math.min(Math.max(Math.trunc(limit ?? 100), 1), MAX_PAGE);
}

function timeRange(q: HistoryRequest) {
  return {
    ...(q.from !== undefined ? { gte: BigInt(q.from) } : {}),
    ...(q.to !== undefined ? { lt: BigInt(q.to) } : {}),
  };
}

function afterCursor(cursor?: string) {
  return cursor && /^\d+$/.test(cursor) ? { id: { gt: BigInt(cursor) } } : {};
}

function page<R extends { id: bigint }, T>(rows: R[], limit: number, map: (r: R) => T): HistoryPage<T> {
  const more = rows.length > limit;
  const items = rows.slice(0, limit);
  return { items: items.map(map), ...(more ? { nextCursor: String(items[items.length - 1].id) } : {}) };
}
