import type { DeadLetterMessage, RuleAction } from '@iot/contracts';

/**
 * One message on its way to one action of one rule. The first attempt runs while the source message is
 * still unacknowledged; a failed attempt is stored in the retry stream with the time of the next one.
 */
export interface Delivery {
  /** Stable for one source message, rule and action: `<source key>/<rule id>/<action index | error>`. */
  key: string;
  ruleId: string;
  ruleName: string;
  /** Position in the rule's actions; null for the rule's error action. */
  actionIndex: number | null;
  /** The action as configured when the message matched (retries keep it even if the rule changes). */
  action: RuleAction;
  /** What the action sends: the SELECT result, or the failure report for the error action. */
  output: unknown;
  /** Where a delivery that fails every attempt goes next; null for error-action deliveries. */
  errorAction: RuleAction | null;
  source: DeadLetterMessage;
  /** 1 for the first attempt. */
  attempt: number;
  /** Epoch ms before which the attempt waits. */
  notBefore: number;
  /** The dead letter this delivery replays. */
  replayOf?: string;
}

/** What the error action receives about a delivery that failed every attempt. */
export interface FailureReport {
  rule: { id: string; name: string };
  action: { index: number; type: RuleAction['type'] };
  error: string;
  attempts: number;
  deadLetterId: string;
  message: DeadLetterMessage & { output: unknown };
}
