import { Inject, Injectable } from '@nestjs/common';
import type { CommandStatus, CommandView } from '@iot/contracts';
import { TSL_DB, type TslDb } from '../database/tsl-db';
import type { Command } from '../generated/prisma/client';

export interface DeviceKey {
  productKey: string;
  deviceName: string;
}

/** A delivery outcome to record: PENDING → SENT or DELIVERED (sent at `at`), or → EXPIRED. */
export interface DeliveryMark {
  id: string;
  to: 'SENT' | 'DELIVERED' | 'EXPIRED';
  at: Date;
}

export type NewCommand = Pick<
  Command,
  'id' | 'productKey' | 'deviceName' | 'kind' | 'identifier' | 'topic' | 'payload' | 'qos' | 'status' | 'expiresAt'
>;

/** Commands and their lifecycle; every transition is conditional on the status it leaves. */
@Injectable()
export class CommandRepository {
  constructor(@Inject(TSL_DB) private readonly db: TslDb) {}

  create(command: NewCommand & { error?: string }): Promise<Command> {
    return this.db.command.create({ data: command });
  }

  find(id: string): Promise<Command | null> {
    return this.db.command.findUnique({ where: { id } });
  }

  /**
   * Queued commands of many devices in one statement: one list per key, in the order of `keys`, each oldest
   * first (they are delivered in creation order). Raw SQL: in a reconnect storm, Prisma's query building
   * cost more CPU than the query.
   */
  async pendingMany(keys: readonly DeviceKey[]): Promise<Command[][]> {
    if (keys.length === 0) return [];
    const rows = await this.db.$queryRaw<(Command & { i: number })[]>`
      SELECT k.i::int AS i, c.*
      FROM unnest(${keys.map((k) => k.productKey)}::text[], ${keys.map((k) => k.deviceName)}::text[])
        WITH ORDINALITY AS k(pk, dn, i)
      JOIN "tsl"."Command" c ON c."productKey" = k.pk AND c."deviceName" = k.dn AND c."status" = 'PENDING'
      ORDER BY k.i, c."createdAt", c."id"`;
    const lists: Command[][] = keys.map(() => []);
    for (const { i, ...command } of rows) lists[i - 1].push(command);
    return lists;
  }

  /**
   * Records many delivery outcomes in one statement, each only if its command is still PENDING (as
   * a transition does); whether each was recorded, in the order of `marks`.
   */
  async markMany(marks: readonly DeliveryMark[]): Promise<boolean[]> {
    if (marks.length === 0) return [];
    const rows = await this.db.$queryRaw<{ id: string }[]>`
      UPDATE "tsl"."Command" c SET
        "status" = m.status,
        "sentAt" = CASE WHEN m.status = 'EXPIRED' THEN c."sentAt" ELSE m.at END,
        "deliveredAt" = CASE WHEN m.status = 'DELIVERED' THEN m.at ELSE c."deliveredAt" END
      FROM unnest(${marks.map((m) => m.id)}::text[], ${marks.map((m) => m.to)}::text[],
        ${marks.map((m) => m.at.toISOString())}::timestamp(3)[]) AS m(id, status, at)
      WHERE c."id" = m.id AND c."status" = 'PENDING'
      RETURNING c."id"`;
    const marked = new Set(rows.map((r) => r.id));
    return marks.map((m) => marked.has(m.id));
  }

  /**
   * The oldest command still waiting for its reply on a request topic (replies without a usable id): sent
   * ones first, by delivery time, then queued ones (PENDING: possibly on the wire, not yet marked).
   */
  oldestAwaitingReply(productKey: string, deviceName: string, topic: string): Promise<Command | null> {
    return this.db.command.findFirst({
      // PENDING too, ordered last (no deliveredAt): a reply may overtake the mark of the command just sent.
      where: { productKey, deviceName, topic, status: { in: ['SENT', 'DELIVERED', 'PENDING'] } },
      orderBy: [{ deliveredAt: 'asc' }, { createdAt: 'asc' }],
    });
  }

  /** Moves a command from one of `from` to `to`; undefined when it was no longer in one of them. */
  async transition(
    id: string,
    from: CommandStatus[],
    to: CommandStatus,
    fields: { sentAt?: Date; deliveredAt?: Date; repliedAt?: Date; reply?: object; error?: string } = {},
  ): Promise<Command | undefined> {
    const { count } = await this.db.command.updateMany({
      where: { id, status: { in: from } },
      data: { status: to, ...fields },
    });
    return count === 1 ? ((await this.find(id)) ?? undefined) : undefined;
  }

  /** Queued commands past their TTL expire; delivered ones whose reply never came time out. */
  async expire(now: Date): Promise<number> {
    const expired = await this.db.command.updateMany({
      where: { status: 'PENDING', expiresAt: { lt: now } },
      data: { status: 'EXPIRED' },
    });
    const timedOut = await this.db.command.updateMany({
      where: { status: { in: ['SENT', 'DELIVERED'] }, kind: { not: 'message' }, expiresAt: { lt: now } },
      data: { status: 'TIMEOUT' },
    });
    return expired.count + timedOut.count;
  }
}

export function toCommandView(c: Command): CommandView {
  return {
    commandId: c.id,
    productKey: c.productKey,
    deviceName: c.deviceName,
    kind: c.kind as CommandView['kind'],
    identifier: c.identifier,
    topic: c.topic,
    status: c.status as CommandStatus,
    createdAt: c.createdAt.toISOString(),
    expiresAt: c.expiresAt.toISOString(),
    ...(c.sentAt ? { sentAt: c.sentAt.toISOString() } : {}),
    ...(c.deliveredAt ? { deliveredAt: c.deliveredAt.toISOString() } : {}),
    ...(c.repliedAt ? { repliedAt: c.repliedAt.toISOString() } : {}),
    ...(c.reply !== null ? { reply: c.reply } : {}),
    ...(c.error ? { error: c.error } : {}),
  };
}
