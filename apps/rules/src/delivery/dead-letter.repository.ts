import { Inject, Injectable } from '@nestjs/common';
import type { DeadLetterMessage, DeadLetterView, RuleAction } from '@iot/contracts';
import { RULES_DB, type RulesDb } from '../database/rules-db';
import { redactAction } from '../rules/action-secrets';
import type { DeadLetter, Prisma } from '../generated/prisma/client';

export interface NewDeadLetter {
  id: string;
  ruleId: string;
  actionIndex: number | null;
  action: RuleAction;
  error: string;
  attempts: number;
  output: unknown;
  message: DeadLetterMessage;
}

export function deadLetterView(row: DeadLetter): DeadLetterView {
  return {
    id: row.id,
    ruleId: row.ruleId,
    actionIndex: row.actionIndex,
    action: redactAction(row.action as unknown as RuleAction),
    error: row.error,
    attempts: row.attempts,
    output: row.output,
    message: {
      topic: row.topic,
      productKey: row.productKey,
      deviceName: row.deviceName,
      messageId: row.messageId,
      receivedAt: Number(row.receivedAt),
      payload: row.payload,
    },
    createdAt: row.createdAt.toISOString(),
    replayedAt: row.replayedAt?.toISOString() ?? null,
    replayCount: row.replayCount,
  };
}

@Injectable()
export class DeadLetterRepository {
  constructor(@Inject(RULES_DB) private readonly db: RulesDb) {}

  /** False when a dead letter with this id exists already (the same failure, handled twice). */
  async insert(dl: NewDeadLetter): Promise<boolean> {
    const { count } = await this.db.deadLetter.createMany({
      data: [
        {
          id: dl.id,
          ruleId: dl.ruleId,
          actionIndex: dl.actionIndex,
          action: dl.action as unknown as Prisma.InputJsonValue,
          error: dl.error,
          attempts: dl.attempts,
          output: dl.output ?? {},
          topic: dl.message.topic,
          productKey: dl.message.productKey,
          deviceName: dl.message.deviceName,
          messageId: dl.message.messageId,
          receivedAt: BigInt(dl.message.receivedAt),
          payload: dl.message.payload,
        },
      ],
      skipDuplicates: true,
    });
    return count === 1;
  }

  async find(ruleId: string, id: string): Promise<DeadLetter | undefined> {
    return (await this.db.deadLetter.findFirst({ where: { id, ruleId } })) ?? undefined;
  }

  async list(
    ruleId: string,
    page: number,
    pageSize: number,
    status?: 'pending' | 'replayed',
  ): Promise<{ rows: DeadLetter[]; total: number }> {
    const where = {
      ruleId,
      ...(status === 'pending' ? { replayedAt: null } : status === 'replayed' ? { replayedAt: { not: null } } : {}),
    };
    const [rows, total] = await Promise.all([
      this.db.deadLetter.findMany({
        where,
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        skip: (page - 1) * pageSize,
        take: pageSize,
      }),
      this.db.deadLetter.count({ where }),
    ]);
    return { rows, total };
  }

  /** Not yet replayed, oldest first. */
  pending(ruleId: string, limit: number): Promise<DeadLetter[]> {
    return this.db.deadLetter.findMany({
      where: { ruleId, replayedAt: null },
      orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
  }

  markReplayed(id: string): Promise<DeadLetter> {
    return this.db.deadLetter.update({
      where: { id },
      data: { replayedAt: new Date(), replayCount: { increment: 1 } },
    });
  }
}
