import { Inject, Injectable } from '@nestjs/common';
import {
  DomainError,
  ErrorCode,
  type DeadLetterRef,
  type DeadLetterView,
  type ListDeadLettersRequest,
  type Page,
  type ReplayAllReply,
  type RuleAction,
} from '@iot/contracts';
import type { DeadLetter } from '../generated/prisma/client';
import { RulesService } from '../rules/rules.service';
import { DeadLetterRepository, deadLetterView } from './dead-letter.repository';
import { RetryQueue } from './retry-queue';

/** Dead letters replayed per replay-all call; call again for more. */
const REPLAY_ALL_LIMIT = 1_000;

/** Listing dead letters, and replaying them: a fresh delivery, with fresh retries, to the action as it is now. */
@Injectable()
export class DeadLettersService {
  constructor(
    @Inject(DeadLetterRepository) private readonly deadLetters: DeadLetterRepository,
    @Inject(RulesService) private readonly rules: RulesService,
    @Inject(RetryQueue) private readonly retries: RetryQueue,
  ) {}

  async list(request: ListDeadLettersRequest): Promise<Page<DeadLetterView>> {
    await this.rules.require(request.ruleId);
    const page = request.page ?? 1;
    const pageSize = request.pageSize ?? 20;
    const { rows, total } = await this.deadLetters.list(request.ruleId, page, pageSize, request.status);
    return { items: rows.map(deadLetterView), page, pageSize, total };
  }

  async replay({ ruleId, deadLetterId }: DeadLetterRef): Promise<DeadLetterView> {
    const rule = await this.rules.require(ruleId);
    const dl = await this.deadLetters.find(ruleId, deadLetterId);
    if (!dl)
      throw new DomainError(ErrorCode.DEAD_LETTER_NOT_FOUND, `No dead letter ${deadLetterId} for rule ${ruleId}`);
    return deadLetterView(await this.replayOne(rule, dl));
  }

  async replayAll({ id }: { id: string }): Promise<ReplayAllReply> {
    const rule = await this.rules.require(id);
    const pending = await this.deadLetters.pending(id, REPLAY_ALL_LIMIT);
    for (const dl of pending) await this.replayOne(rule, dl);
    return { replayed: pending.length };
  }

  private async replayOne(
    rule: { id: string; name: string; actions: unknown; errorAction: unknown },
    dl: DeadLetter,
  ): Promise<DeadLetter> {
    const actions = rule.actions as RuleAction[];
    // The action as configured now, so that fixing the rule's target and replaying is the way to recover.
    const action = dl.actionIndex === null ? (rule.errorAction as RuleAction | null) : actions[dl.actionIndex];
    if (!action)
      throw new DomainError(
        ErrorCode.RULE_INVALID,
        dl.actionIndex === null
          ? `Rule ${rule.id} has no error action any more`
          : `Rule ${rule.id} has no action ${dl.actionIndex} any more`,
      );
    await this.retries.schedule({
      key: `replay/${dl.id}/${dl.replayCount + 1}`,
      ruleId: rule.id,
      ruleName: rule.name,
      actionIndex: dl.actionIndex,
      action,
      output: dl.output,
      errorAction: dl.actionIndex === null ? null : ((rule.errorAction as RuleAction | null) ?? null),
      source: {
        topic: dl.topic,
        productKey: dl.productKey,
        deviceName: dl.deviceName,
        messageId: dl.messageId,
        receivedAt: Number(dl.receivedAt),
        payload: dl.payload,
      },
      attempt: 1,
      notBefore: Date.now(),
      replayOf: dl.id,
    });
    return this.deadLetters.markReplayed(dl.id);
  }
}
