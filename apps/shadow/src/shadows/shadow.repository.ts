import { Inject, Injectable } from '@nestjs/common';
import type { ShadowRef } from '@iot/contracts';
import { SHADOW_DB, type ShadowDb } from '../database/shadow-db';
import { emptyDocument, type ShadowDocument } from '../document/shadow-document';
import type { StoredShadow } from '../document/shadow-write';

export interface LoadedShadow extends StoredShadow {
  /** Whether a row exists (the version of a missing shadow is 0). */
  exists: boolean;
}

export type SaveOutcome = 'saved' | 'conflict' | 'duplicate';

/** One write of a batch: `next` replaces the shadow `read` was read from, unless it changed since. */
export interface BatchWrite extends ShadowRef {
  read: LoadedShadow;
  next: StoredShadow;
  messageId?: string;
}

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

  /** Several shadows in one round trip, in the order of `keys` (missing ones are empty, version 0). */
  async loadMany(keys: readonly ShadowRef[]): Promise<LoadedShadow[]> {
    const rows = await this.db.$queryRaw<(Row & { i: number })[]>`
      SELECT k.i::int AS i, s."document", s."version", s."clockVersion"
      FROM unnest(${keys.map((k) => k.productKey)}::text[], ${keys.map((k) => k.deviceName)}::text[])
        WITH ORDINALITY AS k(pk, dn, i)
      JOIN "shadow"."Shadow" s ON s."productKey" = k.pk AND s."deviceName" = k.dn`;
    const loaded: LoadedShadow[] = keys.map(() => ({ exists: false, document: emptyDocument(), clockVersion: null }));
    for (const row of rows) loaded[row.i - 1] = fromRow(row);
    return loaded;
  }

  /**
   * Many writes in one statement (one round trip, one commit); each is applied only if its row still has
   * the version it was read with and its message was not applied before (the message id is recorded in the
   * same statement, so a redelivery is applied once).
   * Outcomes in the order of `writes`. Rows are locked in key order, so two batches never deadlock.
   */
  async saveMany(writes: readonly BatchWrite[]): Promise<SaveOutcome[]> {
    if (writes.length === 0) return [];
    const column = <T>(pick: (w: BatchWrite) => T): T[] => writes.map(pick);
    const rows = await this.db.$queryRaw<{ i: number; written: boolean; seen: boolean }[]>`
      WITH input AS (
        SELECT * FROM unnest(
          ${column((w) => w.productKey)}::text[], ${column((w) => w.deviceName)}::text[],
          ${column((w) => JSON.stringify(withoutVersion(w.next.document)))}::text[],
          ${column((w) => String(w.next.document.version))}::text[],
          ${column((w) => String(w.read.document.version))}::text[],
          ${column((w) => (w.next.clockVersion === null ? null : String(w.next.clockVersion)))}::text[],
          ${column((w) => w.messageId ?? null)}::text[], ${column((w) => w.read.exists)}::boolean[]
        ) WITH ORDINALITY AS t(pk, dn, doc, version, expected, clock, message_id, existed, i)
      ), fresh AS (
        SELECT * FROM input
        WHERE message_id IS NULL
           OR NOT EXISTS (SELECT 1 FROM "shadow"."AppliedMessage" a WHERE a."messageId" = input.message_id)
      ), locked AS (
        SELECT s."productKey", s."deviceName" FROM "shadow"."Shadow" s
        JOIN fresh f ON f.existed AND s."productKey" = f.pk AND s."deviceName" = f.dn
        AND s."version" = f.expected::bigint
        ORDER BY s."productKey", s."deviceName" FOR UPDATE OF s
      ), updated AS (
        UPDATE "shadow"."Shadow" s SET "document" = f.doc::jsonb, "version" = f.version::bigint,
          "clockVersion" = f.clock::bigint, "updatedAt" = now()
        FROM fresh f, locked l
        WHERE l."productKey" = f.pk AND l."deviceName" = f.dn
          AND s."productKey" = f.pk AND s."deviceName" = f.dn AND s."version" = f.expected::bigint
        RETURNING f.i
      ), inserted AS (
        INSERT INTO "shadow"."Shadow" ("productKey", "deviceName", "document", "version", "clockVersion")
        SELECT pk, dn, doc::jsonb, version::bigint, clock::bigint FROM fresh WHERE NOT existed ORDER BY pk, dn
        ON CONFLICT DO NOTHING RETURNING "productKey" AS pk, "deviceName" AS dn
      ), written AS (
        SELECT i FROM updated
        UNION ALL SELECT f.i FROM inserted n JOIN fresh f ON f.pk = n.pk AND f.dn = n.dn AND NOT f.existed
      ), applied AS (
        INSERT INTO "shadow"."AppliedMessage" ("messageId")
        SELECT input.message_id FROM input JOIN written USING (i) WHERE input.message_id IS NOT NULL
        ON CONFLICT DO NOTHING
      )
      SELECT input.i::int AS i, EXISTS (SELECT 1 FROM written w WHERE w.i = input.i) AS written,
        input.message_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM fresh f WHERE f.i = input.i) AS seen
      FROM input`;
    const outcomes: SaveOutcome[] = writes.map(() => 'conflict');
    for (const row of rows) outcomes[row.i - 1] = row.written ? 'saved' : row.seen ? 'duplicate' : 'conflict';
    return outcomes;
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
      const next = plan(fromRow(rows[0]));
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

function fromRow(row: Row): LoadedShadow {
  return {
    exists: true,
    document: { ...row.document, version: Number(row.version) },
    clockVersion: row.clockVersion === null ? null : Number(row.clockVersion),
  };
}

function withoutVersion(document: ShadowDocument): Omit<ShadowDocument, 'version'> {
  const { version: _version, ...rest } = document;
  return rest;
}
