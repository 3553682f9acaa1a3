import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  RulesSignals,
  type CreateRuleRequest,
  type ListRulesRequest,
  type Page,
  type RuleAction,
  type RuleView,
  type UpdateRuleRequest,
} from '@iot/contracts';
import { Bus } from '@iot/messaging';
import type { Rule } from '../generated/prisma/client';
import { RuleCache } from './rule-cache';
import { restoreSecrets } from './action-secrets';
import { validateRule, type ValidatedRule } from './rule-definition';
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
    const { definition: given, sql } = validateRule(request);
    const definition = withSecrets(given, []);
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
    const { definition: given, sql } = validateRule(request);
    const stored = await this.require(request.id);
    const definition = withSecrets(given, storedActions(stored));
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

/** The definition with the secrets it sent back redacted taken from `stored` (see action-secrets.ts). */
function withSecrets(definition: ValidatedRule['definition'], stored: RuleAction[]): ValidatedRule['definition'] {
  const problems: string[] = [];
  const restore = (action: RuleAction, path: string): RuleAction => {
    const restored = restoreSecrets(action, stored);
    if (restored.ok) return restored.action;
    problems.push(`${path}: ${restored.problem}`);
    return action;
  };
  const actions = definition.actions.map((a, i) => restore(a, `actions.${i}`));
  const errorAction = definition.errorAction && restore(definition.errorAction, 'errorAction');
  if (problems.length > 0) throw new DomainError(ErrorCode.RULE_INVALID, problems.join('; '), { problems });
  return { ...definition, actions, errorAction };
}

function storedActions(row: Rule): RuleAction[] {
  const actions = row.actions as unknown as RuleAction[];
  const errorAction = row.errorAction as unknown as RuleAction | null;
  return errorAction ? [...actions, errorAction] : actions;
}

function notFound(id: string): DomainError {
  return new DomainError(ErrorCode.RULE_NOT_FOUND, `No rule ${id}`);
}
