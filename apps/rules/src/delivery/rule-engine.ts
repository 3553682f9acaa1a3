import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { DeadLetterMessage } from '@iot/contracts';
import { RuleCache } from '../rules/rule-cache';
import type { RuleMessage } from '../sql/rule-message';
import type { Delivery } from './delivery';
import { DeliveryService } from './delivery.service';
import { RuleCounters } from './rule-counters';

/**
 * Runs every enabled rule over one source message and makes the first attempt of each matching rule's
 * actions. It resolves once every delivery succeeded or waits durably in the retry queue, so the source
 * message is acknowledged only then: a crash before that redelivers the message and repeats its deliveries.
 */
@Injectable()
export class RuleEngine implements BeforeApplicationShutdown {
  private readonly logger = new Logger(RuleEngine.name);
  private stopping = false;
  private readonly inflight = new Set<Promise<void>>();

  constructor(
    @Inject(RuleCache) private readonly rules: RuleCache,
    @Inject(DeliveryService) private readonly delivery: DeliveryService,
    @Inject(RuleCounters) private readonly counters: RuleCounters,
  ) {}

  /** `sourceKey` identifies the source message across its redeliveries. */
  handle(message: RuleMessage, sourceKey: string): Promise<void> {
    // Refused, so left unacknowledged for another replica or the restart, rather than cut off half way.
    if (this.stopping) return Promise.reject(new Error('apps/rules is stopping; the message is redelivered'));
    const p = this.evaluateAndDeliver(message, sourceKey);
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }

  /** Lets the messages in hand finish (their counts and hand-offs included) before the bus and database close. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.inflight]);
  }

  private async evaluateAndDeliver(message: RuleMessage, sourceKey: string): Promise<void> {
    const candidates = this.rules.rulesFor(message.topic);
    if (candidates.length === 0) return;
    const now = Date.now();
    const deliveries: Delivery[] = [];
    let source: DeadLetterMessage | undefined;
    for (const rule of candidates) {
      let output;
      try {
        output = rule.sql.evaluate(message, now);
      } catch (error) {
        // Evaluation is total by design (bad values give NULL); this is a defect, and it is reported.
        this.logger.error(`rule ${rule.id} failed on message ${message.messageId}: ${String(error)}`);
        continue;
      }
      if (output === undefined) continue;
      this.counters.add(rule.id, 'matched');
      const from = (source ??= {
        topic: message.topic,
        productKey: message.productKey,
        deviceName: message.deviceName,
        messageId: message.messageId,
        receivedAt: message.receivedAt,
        payload: Buffer.from(message.raw).toString('base64'),
      });
      rule.actions.forEach((action, index) =>
        deliveries.push({
          key: `${sourceKey}/${rule.id}/${index}`,
          ruleId: rule.id,
          ruleName: rule.name,
          actionIndex: index,
          action,
          output,
          errorAction: rule.errorAction,
          source: from,
          attempt: 1,
          notBefore: now,
        }),
      );
    }
    const outcomes = await Promise.allSettled(deliveries.map((d) => this.delivery.attempt(d)));
    const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
