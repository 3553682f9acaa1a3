import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Counter } from 'prom-client';
import { HealthRegistry } from '@iot/runtime';
import { RuleRepository, type CounterName } from '../rules/rule.repository';

const FLUSH_EVERY_MS = 1_000;
const COUNTER_NAMES: readonly CounterName[] = ['matched', 'succeeded', 'failed', 'deadLettered'];
const zero = (): Record<CounterName, number> => ({ matched: 0, succeeded: 0, failed: 0, deadLettered: 0 });

/**
 * Per-rule counters, gathered in memory and published every second: on this replica's `/metrics` (label
 * `rule`, the rule id), and added to the rule's row, so that the API shows the sum over every replica. A crash loses at most the last
 * second of counts; the dead letters themselves are never approximate.
 */
@Injectable()
export class RuleCounters implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(RuleCounters.name);
  /** Counted, not yet in the database. */
  private pending = new Map<string, Record<CounterName, number>>();
  /** Counted, not yet on /metrics. */
  private unexported = new Map<string, Record<CounterName, number>>();
  private readonly metrics: Record<CounterName, Counter<'rule'>>;
  private timer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(RuleRepository) private readonly rules: RuleRepository,
    @Inject(HealthRegistry) health: HealthRegistry,
  ) {
    const counter = (name: string, help: string) =>
      new Counter({ name, help, labelNames: ['rule'], registers: [health.metrics] });
    this.metrics = {
      matched: counter('rules_messages_matched_total', 'Messages that satisfied the rule (FROM and WHERE)'),
      succeeded: counter('rules_deliveries_succeeded_total', 'Deliveries to an action of the rule that succeeded'),
      failed: counter('rules_delivery_attempts_failed_total', 'Attempts to deliver to an action that failed'),
      deadLettered: counter('rules_dead_letters_total', 'Deliveries that failed every attempt'),
    };
  }

  /** Cheap on the hot path: a map update; Prometheus and the database get the sums at the next flush. */
  add(ruleId: string, name: CounterName, n = 1): void {
    addTo(this.pending, ruleId, name, n);
    addTo(this.unexported, ruleId, name, n);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Writes what was counted since the last flush; on failure it is kept for the next one. */
  flush(): Promise<void> {
    for (const [id, counts] of this.unexported)
      for (const name of COUNTER_NAMES) if (counts[name] > 0) this.metrics[name].inc({ rule: id }, counts[name]);
    this.unexported = new Map();
    this.flushing = this.flushing.then(async () => {
      if (this.pending.size === 0) return;
      const batch = this.pending;
      this.pending = new Map();
      try {
        await this.rules.addCounters(batch);
      } catch (error) {
        this.logger.warn(`rule counters not saved, kept for the next try: ${String(error)}`);
        for (const [id, counts] of batch) for (const name of COUNTER_NAMES) addTo(this.pending, id, name, counts[name]);
      }
    });
    return this.flushing;
  }
}

function addTo(map: Map<string, Record<CounterName, number>>, ruleId: string, name: CounterName, n: number): void {
  let counts = map.get(ruleId);
  if (!counts) {
    counts = zero();
    map.set(ruleId, counts);
  }
  counts[name] += n;
}
