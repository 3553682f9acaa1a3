import { Inject, Injectable } from '@nestjs/common';
import type { RuleAction, RuleCounters as RuleCounterValues, RuleView } from '@iot/contracts';
import { RULES_DB, type RulesDb } from '../database/rules-db';
import { redactAction } from './action-secrets';
import { Prisma, type Rule } from '../generated/prisma/client';

export type CounterName = keyof RuleCounterValues;

export interface RuleFields {
  name: string;
  description: string;
  sql: string;
  topic: string;
  actions: RuleAction[];
  errorAction: RuleAction | null;
}

const json = (value: unknown): Prisma.InputJsonValue => value as Prisma.InputJsonValue;
const nullableJson = (value: unknown) => (value === null ? Prisma.DbNull : json(value));

/** A rule as the API shows it: credentials in its actions redacted. */
export function ruleView(row: Rule): RuleView {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    sql: row.sql,
    topic: row.topic,
    enabled: row.enabled,
    // Credentials are write-only (action-secrets.ts).
    actions: (row.actions as unknown as RuleAction[]).map((a) => redactAction(a)),
    errorAction: redactAction((row.errorAction as unknown as RuleAction | null) ?? null),
    counters: {
      matched: Number(row.matched),
      succeeded: Number(row.succeeded),
      failed: Number(row.failed),
      deadLettered: Number(row.deadLettered),
    },
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

@Injectable()
export class RuleRepository {
  constructor(@Inject(RULES_DB) private readonly db: RulesDb) {}

  create(id: string, fields: RuleFields, enabled: boolean): Promise<Rule> {
    return this.db.rule.create({ data: { id, ...this.data(fields), enabled } });
  }

  async find(id: string): Promise<Rule | undefined> {
    return (await this.db.rule.findUnique({ where: { id } })) ?? undefined;
  }

  async list(page: number, pageSize: number): Promise<{ rows: Rule[]; total: number }> {
    const [rows, total] = await Promise.all([
      this.db.rule.findMany({
        orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
        skip: (page - 1) * pageSize,
        take: pageSize,
      }),
      this.db.rule.count(),
    ]);
    return { rows, total };
  }

  listEnabled(): Promise<Rule[]> {
    return this.db.rule.findMany({ where: { enabled: true } });
  }

  /** undefined when there is no such rule. */
  async update(id: string, fields: RuleFields, enabled?: boolean): Promise<Rule | undefined> {
    const { count } = await this.db.rule.updateMany({
      where: { id },
      data: { ...this.data(fields), ...(enabled === undefined ? {} : { enabled }), updatedAt: new Date() },
    });
    return count === 0 ? undefined : this.find(id);
  }

  async setEnabled(id: string, enabled: boolean): Promise<Rule | undefined> {
    const { count } = await this.db.rule.updateMany({ where: { id }, data: { enabled, updatedAt: new Date() } });
    return count === 0 ? undefined : this.find(id);
  }

  /** Deletes the rule and its dead letters; false when there was no such rule. */
  async delete(id: string): Promise<boolean> {
    const [, { count }] = await this.db.$transaction([
      this.db.deadLetter.deleteMany({ where: { ruleId: id } }),
      this.db.rule.deleteMany({ where: { id } }),
    ]);
    return count > 0;
  }

  /** Adds counts gathered by one replica; a rule deleted meanwhile is skipped. */
  async addCounters(deltas: Map<string, Record<CounterName, number>>): Promise<void> {
    await Promise.all(
      [...deltas].map(
        ([id, d]) => this.db.$executeRaw`
          UPDATE "rules"."Rule" SET "matched" = "matched" + ${d.matched}, "succeeded" = "succeeded" + ${d.succeeded},
            "failed" = "failed" + ${d.failed}, "deadLettered" = "deadLettered" + ${d.deadLettered}
          WHERE "id" = ${id}`,
      ),
    );
  }

  private data(fields: RuleFields) {
    return {
      name: fields.name,
      description: fields.description,
      sql: fields.sql,
      topic: fields.topic,
      actions: json(fields.actions),
      errorAction: nullableJson(fields.errorAction),
    };
  }
}
