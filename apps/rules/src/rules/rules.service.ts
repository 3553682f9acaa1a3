import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  RulesSignals,
  type CreateRuleRequest,
  type ListRulesRequest,
  type Page,
  type RuleView,
  type UpdateRuleRequest,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import type { Rule } from '../generated/prisma/client';
import { RuleCache } from './rule-cache';
import { validateRule } from './rule-definition';
import { RuleRepository, ruleView } from './rule.repository';

/** Rules: validated and compiled on save, applied at once on this replica and signalled to the others. */
@Injectable()
export class RulesService {
  constructor(
    @Inject(RuleRepository) private readonly rules: RuleRepository,
    @Inject(RuleCache) private readonly cache: RuleCache,
    @Inject(Bus) private readonly bus: Bus,
  ) {}

  async create(request: CreateRuleRequest): Promise<RuleView> {
    const { definition, sql } = validateRule(request);
    const id = randomUUID();
    const row = await this.rules.create(id, { ...definition, topic: sql.topicFilter }, request.enabled === true);
    this.changed(id, row, sql);
    return ruleView(row);
  }

  async list(request: ListRulesRequest): Promise<Page<RuleView>> {
    const page = request.page ?? 1;
    const pageSize = request.pageSize ?? 20;
    const { rows, total } = await this.rules.list(page, pageSize);
    return { items: rows.map(ruleView), page, pageSize, total };
  }

  async get(id: string): Promise<RuleView> {
    return ruleView(await this.require(id));
  }

  async update(request: UpdateRuleRequest): Promise<RuleView> {
    const { definition, sql } = validateRule(request);
    const row = await this.rules.update(request.id, { ...definition, topic: sql.topicFilter }, request.enabled);
    if (!row) throw notFound(request.id);
    this.changed(request.id, row, sql);
    return ruleView(row);
  }

  async setEnabled(id: string, enabled: boolean): Promise<RuleView> {
    const row = await this.rules.setEnabled(id, enabled);
    if (!row) throw notFound(id);
    this.changed(id, row);
    return ruleView(row);
  }

  async delete(id: string): Promise<{ deleted: true }> {
    if (!(await this.rules.delete(id))) throw notFound(id);
    this.changed(id, undefined);
    return { deleted: true };
  }

  async require(id: string): Promise<Rule> {
    const row = await this.rules.find(id);
    if (!row) throw notFound(id);
    return row;
  }

  private changed(id: string, row: Rule | undefined, sql?: Parameters<RuleCache['apply']>[2]): void {
    this.cache.apply(id, row, sql);
    this.bus.emit(RulesSignals.changed, { id });
  }
}

function notFound(id: string): DomainError {
  return new DomainError(ErrorCode.RULE_NOT_FOUND, `No rule ${id}`);
}
