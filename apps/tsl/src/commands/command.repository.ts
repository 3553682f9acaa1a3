import { Inject, Injectable } from '@nestjs/common';
import type { CommandStatus, CommandView } from '@iot/contracts';
import { TSL_DB, type TslDb } from '../database/tsl-db';
import type { Command } from '../generated/prisma/client';

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

  /** Queued commands of one device, oldest first (they are delivered in creation order). */
  pending(productKey: string, deviceName: string): Promise<Command[]> {
    return this.db.command.findMany({
      where: { productKey, deviceName, status: 'PENDING' },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    });
  }

  /** The oldest command still waiting for its reply on a request topic (replies without a usable id). */
  oldestAwaitingReply(productKey: string, deviceName: string, topic: string): Promise<Command | null> {
    return this.db.command.findFirst({
      where: { productKey, deviceName, topic, status: { in: ['SENT', 'DELIVERED'] } },
      orderBy: [{ deliveredAt: 'asc' }, { createdAt: 'asc' }],
    });
  }

  /** {@link transition} without reading the command back (the delivery path does not need it). */
  async mark(
    id: string,
    from: CommandStatus[],
    to: CommandStatus,
    fields: { sentAt?: Date; deliveredAt?: Date } = {},
  ): Promise<boolean> {
    const { count } = await this.db.command.updateMany({
      where: { id, status: { in: from } },
      data: { status: to, ...fields },
    });
    return count === 1;
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
