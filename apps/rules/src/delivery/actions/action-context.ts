/** Identifies one delivery to the target, so that a target can drop the repeats at-least-once brings. */
export interface ActionContext {
  /** Stable across retries of one delivery (docs/adr/0007-rules-engine.md). */
  deliveryKey: string;
  ruleId: string;
}
