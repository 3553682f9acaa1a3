import type { Value } from './values';

/**
 * One message as rules see it: a device uplink, or a platform event exposed on a topic of its own
 * (sources/source-topics.ts).
 */
export interface RuleMessage {
  topic: string;
  /** The payload parsed as JSON; undefined when it is not JSON (fields are then null). */
  payload: Value | undefined;
  /** The payload's bytes, for `payload()` and `payload('base64')`. */
  raw: Uint8Array;
  productKey: string;
  deviceName: string;
  messageId: string;
  clientId?: string;
  clientIp?: string;
  /** Epoch ms at which the platform received the message. */
  receivedAt: number;
}

/** What an expression is evaluated against. */
export interface EvalContext {
  message: RuleMessage;
  /** Epoch ms of the evaluation: `timestamp()`. */
  now: number;
  /** The topic's levels, split once on first use by `topic(n)`. */
  levels?: string[];
}

export type Evaluator = (ctx: EvalContext) => Value;
