import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { RulesSignals, type RuleAction } from '@iot/contracts';
import { Bus } from '@iot/messaging';
import type { Rule } from '../generated/prisma/client';
import { compileRuleSql, type CompiledRuleSql } from '../sql/rule-sql';
import { RuleRepository } from './rule.repository';

/** An enabled rule, compiled once when it is loaded. */
export interface ActiveRule {
  id: string;
  name: string;
  sql: CompiledRuleSql;
  actions: RuleAction[];
  errorAction: RuleAction | null;
  updatedAt: number;
}

/** A safety net for a change signal this replica missed (it was reconnecting, say). */
const RELOAD_EVERY_MS = 30_000;
/** Topics remembered with the rules that read them; forgotten all at once past this many. */
const TOPIC_CACHE_SIZE = 20_000;

/**
 * The enabled rules of this replica, compiled. The replica that saves a rule applies it at once; the
 * others reload it on the change signal, and every replica reloads everything every 30 s.
 */
@Injectable()
export class RuleCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(RuleCache.name);
  private rules = new Map<string, ActiveRule>();
  private byTopic = new Map<string, ActiveRule[]>();
  /** When each rule was last taken, to tell a stale full reload from a newer single one. */
  private readonly touchedAt = new Map<string, number>();
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(RuleRepository) private readonly repository: RuleRepository,
    @Inject(Bus) private readonly bus: Bus,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.reloadAll();
    this.bus.onSignal(RulesSignals.changed, ({ id }) => this.reload(id));
    this.timer = setInterval(() => {
      this.reloadAll().catch((error: unknown) => this.logger.warn(`reloading rules failed: ${String(error)}`));
    }, RELOAD_EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The enabled rules whose FROM matches the topic. */
  rulesFor(topic: string): ActiveRule[] {
    let matching = this.byTopic.get(topic);
    if (!matching) {
      matching = [...this.rules.values()].filter((r) => r.sql.matchesTopic(topic));
      if (this.byTopic.size >= TOPIC_CACHE_SIZE) this.byTopic = new Map();
      this.byTopic.set(topic, matching);
    }
    return matching;
  }

  /** Takes a rule as it was just read or saved (undefined: deleted). */
  apply(id: string, row: Rule | undefined, compiled?: CompiledRuleSql): void {
    this.touchedAt.set(id, Date.now());
    const current = this.rules.get(id);
    if (!row || !row.enabled) {
      if (current) this.change(() => this.rules.delete(id));
      return;
    }
    if (current && current.updatedAt === row.updatedAt.getTime()) return;
    let sql: CompiledRuleSql;
    try {
      sql = compiled ?? compileRuleSql(row.sql);
    } catch (error) {
      // Saved rules were compiled when saved; this one no longer compiles (the dialect changed?).
      this.logger.error(`rule ${id} does not compile and stays inactive: ${String(error)}`);
      if (current) this.change(() => this.rules.delete(id));
      return;
    }
    const rule: ActiveRule = {
      id,
      name: row.name,
      sql,
      actions: row.actions as unknown as RuleAction[],
      errorAction: (row.errorAction as unknown as RuleAction | null) ?? null,
      updatedAt: row.updatedAt.getTime(),
    };
    this.change(() => this.rules.set(id, rule));
  }

  async reload(id: string): Promise<void> {
    this.apply(id, await this.repository.find(id));
  }

  /** Everything again, except the rules taken meanwhile: those are newer than the list. */
  async reloadAll(): Promise<void> {
    const startedAt = Date.now();
    const rows = new Map((await this.repository.listEnabled()).map((r) => [r.id, r]));
    for (const id of new Set([...this.rules.keys(), ...rows.keys()])) {
      if ((this.touchedAt.get(id) ?? 0) >= startedAt) continue;
      this.apply(id, rows.get(id));
    }
    for (const [id, at] of this.touchedAt) if (at < startedAt) this.touchedAt.delete(id);
  }

  private change(mutate: () => void): void {
    mutate();
    this.byTopic = new Map();
  }
}
