import type { Page } from './auth.contracts';
import { rpc, signal, type StreamSpec } from './bus';

/** Forward the SELECT result as an MQTT message to a device topic, through apps/bridge. */
export interface RepublishAction {
  type: 'republish';
  /** Topic name; `${field}` is replaced by a field of the SELECT result (`/pk/${device}/user/get`). */
  topic: string;
  /** Default 1. */
  qos?: 0 | 1;
}

/**
 * Publish the SELECT result as JSON on a NATS subject of the operator's (never namespaced), with the header
 * `Rule-Delivery-Key` (`<source message>/<rule id>/<action index>`) for subscribers to drop repeats.
 */
export interface NatsAction {
  type: 'nats';
  /** Subject; `${field}` placeholders as for republish. */
  subject: string;
  /** Publish through JetStream and wait for the stream's acknowledgement (a stream must capture the subject). */
  jetstream?: boolean;
}

/** POST the SELECT result as JSON; any 2xx status is a success. */
export interface HttpAction {
  type: 'http';
  url: string;
  headers?: Record<string, string>;
  /** Per attempt; default 5000, at most 30000. */
  timeoutMs?: number;
}

/** Insert one row per message: each column takes a field (a path like `a.b`) of the SELECT result. */
export interface PostgresAction {
  type: 'postgres';
  /** `table` or `schema.table`: letters, digits and `_`; the platform's own schemas are refused. */
  table: string;
  /** column name → field of the SELECT result */
  columns: Record<string, string>;
  /** The target database; the platform's database when absent. */
  databaseUrl?: string;
}

export type RuleAction = RepublishAction | NatsAction | HttpAction | PostgresAction;

export interface RuleCounters {
  /** Messages that satisfied the rule (FROM and WHERE). */
  matched: number;
  /** Action deliveries that succeeded (a first attempt or a retry). */
  succeeded: number;
  /** Attempts that failed, retries included. */
  failed: number;
  /** Deliveries that failed every attempt and became dead letters. */
  deadLettered: number;
}

export interface RuleDefinition {
  name: string;
  description?: string;
  /** `SELECT … FROM "<topic filter>" [WHERE …]` (docs/adr/0007-rules-engine.md). */
  sql: string;
  actions: RuleAction[];
  /** Receives `{rule, action, error, attempts, message}` for every delivery that failed all its attempts. */
  errorAction?: RuleAction | null;
}

/**
 * A rule as shown: its actions' credentials (http header values, URL passwords) read `******`; sent back in
 * an update, a `******` keeps the stored value (docs/adr/0007-rules-engine.md).
 */
export interface RuleView extends RuleDefinition {
  id: string;
  description: string;
  errorAction: RuleAction | null;
  enabled: boolean;
  /** The FROM topic filter. */
  topic: string;
  counters: RuleCounters;
  createdAt: string;
  updatedAt: string;
}

export interface CreateRuleRequest extends RuleDefinition {
  /** Default false: a rule starts when it is enabled. */
  enabled?: boolean;
}
export interface UpdateRuleRequest extends RuleDefinition {
  id: string;
  /** Unchanged when absent. */
  enabled?: boolean;
}
export interface RuleRef {
  id: string;
}
export interface ListRulesRequest {
  page?: number;
  pageSize?: number;
}

/** A delivery that failed every attempt, kept with the message it came from. */
export interface DeadLetterView {
  id: string;
  ruleId: string;
  /** Position in the rule's actions; null for the rule's error action. */
  actionIndex: number | null;
  action: RuleAction;
  error: string;
  attempts: number;
  /** What the action was given: the SELECT result (or, for the error action, the failure report). */
  output: unknown;
  message: DeadLetterMessage;
  createdAt: string;
  replayedAt: string | null;
  replayCount: number;
}

export interface DeadLetterMessage {
  topic: string;
  productKey: string;
  deviceName: string;
  messageId: string;
  receivedAt: number;
  /** The original payload, base64. */
  payload: string;
}

export interface ListDeadLettersRequest {
  ruleId: string;
  page?: number;
  pageSize?: number;
  /** `pending`: not replayed yet. Default all. */
  status?: 'pending' | 'replayed';
}
export interface DeadLetterRef {
  ruleId: string;
  deadLetterId: string;
}
export interface ReplayAllReply {
  replayed: number;
}

export const RulesRpc = {
  create: rpc<CreateRuleRequest, RuleView>('rules.v1.rule.create'),
  list: rpc<ListRulesRequest, Page<RuleView>>('rules.v1.rule.list'),
  get: rpc<RuleRef, RuleView>('rules.v1.rule.get'),
  update: rpc<UpdateRuleRequest, RuleView>('rules.v1.rule.update'),
  delete: rpc<RuleRef, { deleted: true }>('rules.v1.rule.delete'),
  setEnabled: rpc<RuleRef & { enabled: boolean }, RuleView>('rules.v1.rule.set-enabled'),
  listDeadLetters: rpc<ListDeadLettersRequest, Page<DeadLetterView>>('rules.v1.dead-letter.list'),
  /** Sends the dead letter's output to the rule's action as it is configured now, with fresh retries. */
  replayDeadLetter: rpc<DeadLetterRef, DeadLetterView>('rules.v1.dead-letter.replay'),
  replayAllDeadLetters: rpc<RuleRef, ReplayAllReply>('rules.v1.dead-letter.replay-all'),
} as const;

export const RulesSignals = {
  /** A rule was saved, enabled, disabled or deleted: every apps/rules replica reloads it. */
  changed: signal<RuleRef>('rules.v1.signal.rule-changed'),
} as const;

/**
 * Deliveries waiting for a retry (private to apps/rules, which creates it as a work queue: a delivery
 * leaves the stream once it succeeded or became a dead letter).
 */
export const RULES_RETRY_STREAM: StreamSpec = {
  name: 'RULES_RETRIES',
  // Retries only: the request subjects (rules.v1.rule.…, rules.v1.dead-letter.…) stay outside it.
  subjects: ['rules.v1.retry.>'],
  maxAgeSeconds: 7 * 24 * 3600,
  duplicateWindowSeconds: 120,
};
