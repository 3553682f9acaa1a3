import { Inject, Injectable } from '@nestjs/common';
import { SHADOW_DB, type ShadowDb } from '../database/shadow-db';
import { emptyDocument, type ShadowDocument } from '../document/shadow-document';
import type { StoredShadow } from '../document/shadow-write';

export interface LoadedShadow extends StoredShadow {
  /** Whether a row exists (the version of a missing shadow is 0). */
  exists: boolean;
}

export type SaveOutcome = 'saved' | 'conflict' | 'duplicate';

interface Row {
  document: Omit<ShadowDocument, 'version'>;
  version: bigint;
  clockVersion: bigint | null;
}

/**
 * Shadows with optimistic concurrency: a save succeeds only if the row still has the version it was read
 * with, and only once per device message (the message id is recorded in the same statement).
 */
@Injectable()
export class ShadowRepository {
  constructor(@Inject(SHADOW_DB) private readonly db: ShadowDb) {}

  async load(productKey: string, deviceName: string): Promise<LoadedShadow> {
    const rows = await this.db.$queryRaw<Row[]>`
      SELECT "document", "version", "clockVersion" FROM "shadow"."Shadow"
      WHERE "productKey" = ${productKey} AND "deviceName" = ${deviceName}`;
    const row = rows[0];
    if (!row) return { exists: false, document: emptyDocument(), clockVersion: null };
    return {
      exists: true,
      document: { ...row.document, version: Number(row.version) },
      clockVersion: row.clockVersion === null ? null : Number(row.clockVersion),
    };
  }

  /** One statement: the write and the record of the message that caused it commit together or not at all. */
  async save(
    productKey: string,
    deviceName: string,
    read: LoadedShadow,
    next: StoredShadow,
    messageId?: string,
  ): Promise<SaveOutcome> {
    const { version, ...rest } = next.document;
    const document = JSON.stringify(rest);
    const id = messageId ?? null;
    const clock = next.clockVersion === null ? null : BigInt(next.clockVersion);
    const rows = read.exists
      ? await this.db.$queryRaw<{ written: bigint; seen: boolean }[]>`
          WITH written AS (
            UPDATE "shadow"."Shadow" SET "document" = ${document}::jsonb, "version" = ${BigInt(version)},
              "clockVersion" = ${clock}, "updatedAt" = now()
            WHERE "productKey" = ${productKey} AND "deviceName" = ${deviceName} AND "version" = ${BigInt(read.document.version)}
              AND NOT EXISTS (SELECT 1 FROM "shadow"."AppliedMessage" WHERE "messageId" = ${id})
            RETURNING 1
          ), applied AS (
            INSERT INTO "shadow"."AppliedMessage" ("messageId") SELECT ${id}::text FROM written WHERE ${id}::text IS NOT NULL
            ON CONFLICT DO NOTHING RETURNING 1
          )
          SELECT (SELECT count(*) FROM written) AS written,
                 EXISTS (SELECT 1 FROM "shadow"."AppliedMessage" WHERE "messageId" = ${id}) AS seen`
      : await this.db.$queryRaw<{ written: bigint; seen: boolean }[]>`
          WITH written AS (
            INSERT INTO "shadow"."Shadow" ("productKey", "deviceName", "document", "version", "clockVersion")
            SELECT ${productKey}, ${deviceName}, ${document}::jsonb, ${BigInt(version)}, ${clock}
            WHERE NOT EXISTS (SELECT 1 FROM "shadow"."AppliedMessage" WHERE "messageId" = ${id})
            ON CONFLICT DO NOTHING RETURNING 1
          ), applied AS (
            INSERT INTO "shadow"."AppliedMessage" ("messageId") SELECT ${id}::text FROM written WHERE ${id}::text IS NOT NULL
            ON CONFLICT DO NOTHING RETURNING 1
          )
          SELECT (SELECT count(*) FROM written) AS written,
                 EXISTS (SELECT 1 FROM "shadow"."AppliedMessage" WHERE "messageId" = ${id}) AS seen`;
    const { written, seen } = rows[0];
    if (Number(written) === 1) return 'saved';
    return seen ? 'duplicate' : 'conflict';
  }

  /**
   * The path for contended rows: the row is locked (FOR UPDATE) while the change is planned and written,
   * so writers take turns instead of one starving on retries. `plan` returns undefined to write nothing.
   */
  async saveLocked(
    productKey: string,
    deviceName: string,
    plan: (read: LoadedShadow) => StoredShadow | undefined,
    messageId?: string,
  ): Promise<'saved' | 'duplicate' | 'unchanged'> {
    return this.db.$transaction(async (tx) => {
      await tx.$executeRaw`
        INSERT INTO "shadow"."Shadow" ("productKey", "deviceName", "document", "version")
        VALUES (${productKey}, ${deviceName}, ${JSON.stringify({ state: {}, metadata: {}, timestamp: 0 })}::jsonb, 0)
        ON CONFLICT DO NOTHING`;
      const rows = await tx.$queryRaw<Row[]>`
        SELECT "document", "version", "clockVersion" FROM "shadow"."Shadow"
        WHERE "productKey" = ${productKey} AND "deviceName" = ${deviceName} FOR UPDATE`;
      if (messageId) {
        const seen = await tx.$queryRaw<
          unknown[]
        >`SELECT 1 FROM "shadow"."AppliedMessage" WHERE "messageId" = ${messageId}`;
        if (seen.length > 0) return 'duplicate';
      }
      const row = rows[0];
      const next = plan({
        exists: true,
        document: { ...row.document, version: Number(row.version) },
        clockVersion: row.clockVersion === null ? null : Number(row.clockVersion),
      });
      if (!next) return 'unchanged';
      const { version, ...rest } = next.document;
      await tx.$executeRaw`
        UPDATE "shadow"."Shadow" SET "document" = ${JSON.stringify(rest)}::jsonb, "version" = ${BigInt(version)},
          "clockVersion" = ${next.clockVersion === null ? null : BigInt(next.clockVersion)}, "updatedAt" = now()
        WHERE "productKey" = ${productKey} AND "deviceName" = ${deviceName}`;
      if (messageId) await tx.$executeRaw`INSERT INTO "shadow"."AppliedMessage" ("messageId") VALUES (${messageId})`;
      return 'saved';
    });
  }

  async pruneAppliedMessages(olderThan: Date): Promise<number> {
    return this.db.$executeRaw`DELETE FROM "shadow"."AppliedMessage" WHERE "appliedAt" < ${olderThan}`;
  }
}
