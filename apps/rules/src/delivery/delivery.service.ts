import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { RULES_CONFIG, type RulesConfig } from '../config/rules.env';
import { ActionRunner } from './actions/action-runner';
import { DeadLetterRepository } from './dead-letter.repository';
import type { Delivery, FailureReport } from './delivery';
import { RetryQueue } from './retry-queue';
import { RuleCounters } from './rule-counters';

/** A stable id for the dead letter of one failed delivery, so handling the same failure twice keeps one. */
function deadLetterId(d: Delivery): string {
  const h = createHash('sha256').update(`${d.key}\n${d.attempt}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * One attempt at a delivery, and what follows a failure: the next attempt stored in the retry queue, or,
 * after the last one, a dead letter and a delivery of the failure report to the rule's error action.
 */
@Injectable()
export class DeliveryService {
  private readonly logger = new Logger(DeliveryService.name);

  constructor(
    @Inject(ActionRunner) private readonly runner: ActionRunner,
    @Inject(RetryQueue) private readonly retries: RetryQueue,
    @Inject(DeadLetterRepository) private readonly deadLetters: DeadLetterRepository,
    @Inject(RuleCounters) private readonly counters: RuleCounters,
    @Inject(RULES_CONFIG) private readonly config: RulesConfig,
  ) {}

  /**
   * Resolves once the delivery succeeded, or waits durably for its next attempt, or is a dead letter;
   * rejects only when that hand-off failed (the caller then keeps its own message unacknowledged).
   */
  async attempt(d: Delivery): Promise<void> {
    let failure: string;
    try {
      await this.runner.run(d.action, d.output, { deliveryKey: d.key, ruleId: d.ruleId });
      if (d.actionIndex !== null) this.counters.add(d.ruleId, 'succeeded');
      return;
    } catch (error) {
      failure = describe(error);
    }
    if (d.actionIndex !== null) this.counters.add(d.ruleId, 'failed');
    const delays = this.config.RULES_RETRY_DELAYS_MS;
    if (d.attempt <= delays.length) {
      const delay = delays[d.attempt - 1];
      this.logger.debug(
        `rule ${d.ruleId} ${this.describeAction(d)}: attempt ${d.attempt} failed (${failure}), next in ${delay} ms`,
      );
      await this.retries.schedule({ ...d, attempt: d.attempt + 1, notBefore: Date.now() + delay });
      return;
    }
    await this.deadLetter(d, failure);
  }

  private async deadLetter(d: Delivery, error: string): Promise<void> {
    const id = deadLetterId(d);
    const inserted = await this.deadLetters.insert({
      id,
      ruleId: d.ruleId,
      actionIndex: d.actionIndex,
      action: d.action,
      error,
      attempts: d.attempt,
      output: d.output,
      message: d.source,
    });
    // Already there: the same failure handled again after a crash; the error action below is deduplicated.
    if (inserted) {
      this.counters.add(d.ruleId, 'deadLettered');
      this.logger.warn(
        `rule ${d.ruleId} ${this.describeAction(d)}: dead letter ${id} after ${d.attempt} attempts: ${error}`,
      );
    }
    if (d.actionIndex === null || !d.errorAction) return;
    const report: FailureReport = {
      rule: { id: d.ruleId, name: d.ruleName },
      action: { index: d.actionIndex, type: d.action.type },
      error,
      attempts: d.attempt,
      deadLetterId: id,
      message: { ...d.source, output: d.output },
    };
    await this.retries.schedule({
      ...d,
      key: `${d.key}/error`,
      actionIndex: null,
      action: d.errorAction,
      errorAction: null,
      output: report,
      attempt: 1,
      notBefore: Date.now(),
    });
  }

  private describeAction(d: Delivery): string {
    return d.actionIndex === null ? `error action (${d.action.type})` : `action ${d.actionIndex} (${d.action.type})`;
  }
}
