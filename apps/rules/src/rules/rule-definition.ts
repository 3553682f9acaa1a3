import { z } from 'zod';
import { DomainError, ErrorCode, type RuleAction, type RuleDefinition } from '@iot/contracts';
import { isValidTopicName } from '@iot/protocol';
import { isFieldPath, templateFields } from '../delivery/template';
import { compileRuleSql, type CompiledRuleSql } from '../sql/rule-sql';
import { RuleSqlError } from '../sql/sql-parser';

/** Postgres identifiers an action may name: plain ones only, always quoted when used. */
export const SQL_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Schemas of the platform's own services, and Postgres's catalogs: never a rule's target. */
const PROTECTED_SCHEMAS = new Set(['auth', 'shadow', 'tsl', 'ota', 'rules', 'pg_catalog', 'information_schema']);

/**
 * First subject tokens the platform uses (and NATS's own): an operator's subject must not reach into the
 * platform's traffic, e.g. forge device uplinks or loop a rule's output back into its own source.
 */
const RESERVED_SUBJECT_ROOTS = new Set([
  'uplink',
  'connection',
  'shadow',
  'tsl',
  'auth',
  'bridge',
  'platform',
  'rules',
  'ota',
  '_INBOX',
]);

const NATS_SUBJECT = /^[^\s.*>]+(\.[^\s.*>]+)*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What is wrong with a subject a rule publishes on (checked on save, and again once placeholders are filled). */
export function natsSubjectProblem(subject: string): string | undefined {
  if (!NATS_SUBJECT.test(subject)) return 'a NATS subject: tokens separated by ., no spaces, no * or > wildcards';
  const root = subject.split('.')[0];
  if (RESERVED_SUBJECT_ROOTS.has(root) || root.startsWith('$'))
    return `subjects starting with ${root}. belong to the platform or to NATS`;
  return undefined;
}

/** The example value a placeholder stands for when a template is checked. */
const SAMPLE = 'x';

function checkTemplate(value: string, ctx: z.RefinementCtx, valid: (rendered: string) => string | undefined): void {
  const fields = templateFields(value);
  if ('error' in fields) {
    ctx.addIssue({ code: 'custom', message: fields.error });
    return;
  }
  const problem = valid(value.replace(/\$\{[^}]*\}/g, SAMPLE));
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}

const republish = z.strictObject({
  type: z.literal('republish'),
  topic: z
    .string()
    .min(1)
    .max(512)
    .superRefine((topic, ctx) =>
      checkTemplate(topic, ctx, (t) =>
        isValidTopicName(t) ? undefined : 'a topic name: levels separated by /, no + or # wildcards',
      ),
    ),
  qos: z.union([z.literal(0), z.literal(1)]).optional(),
});

const nats = z.strictObject({
  type: z.literal('nats'),
  subject: z
    .string()
    .min(1)
    .max(256)
    .superRefine((subject, ctx) => checkTemplate(subject, ctx, natsSubjectProblem)),
  jetstream: z.boolean().optional(),
});

const http = z.strictObject({
  type: z.literal('http'),
  url: z
    .string()
    .max(2048)
    .refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), 'an http:// or https:// URL'),
  headers: z
    .record(z.string(), z.string())
    .refine((h) => Object.keys(h).every((k) => HEADER_NAME.test(k)), 'header names: letters, digits and -')
    .refine((h) => Object.values(h).every((v) => !/[\r\n]/.test(v)), 'header values on one line')
    .optional(),
  timeoutMs: z.number().int().min(100).max(30_000).optional(),
});

const postgres = z.strictObject({
  type: z.literal('postgres'),
  table: z.string().superRefine((table, ctx) => {
    const parts = table.split('.');
    if (parts.length > 2 || !parts.every((p) => SQL_IDENTIFIER.test(p)))
      ctx.addIssue({ code: 'custom', message: 'table or schema.table, each a letter or _ then letters, digits or _' });
    else if (parts.length === 2 && PROTECTED_SCHEMAS.has(parts[0].toLowerCase()))
      ctx.addIssue({ code: 'custom', message: `schema ${parts[0]} belongs to the platform` });
  }),
  columns: z
    .record(z.string(), z.string())
    .refine((c) => Object.keys(c).length > 0 && Object.keys(c).length <= 100, 'between 1 and 100 columns')
    .refine(
      (c) => Object.keys(c).every((k) => SQL_IDENTIFIER.test(k)),
      'column names: a letter or _ then letters, digits or _',
    )
    .refine((c) => Object.values(c).every(isFieldPath), 'each column takes a field of the output, e.g. t or a.b'),
  databaseUrl: z
    .string()
    .refine((u) => URL.canParse(u) && /^postgres(ql)?:$/.test(new URL(u).protocol), 'a postgresql:// URL')
    .optional(),
});

const action = z.discriminatedUnion('type', [republish, nats, http, postgres], {
  error: 'type must be republish, nats, http or postgres',
});

const definition = z.object({
  name: z.string().trim().min(1).max(128),
  description: z.string().max(2000).optional(),
  sql: z.string().min(1).max(20_000),
  actions: z.array(action).max(10),
  errorAction: action.nullable().optional(),
});

export interface ValidatedRule {
  definition: RuleDefinition & { description: string; errorAction: RuleAction | null };
  sql: CompiledRuleSql;
}

/**
 * Checks a rule before it is saved: its actions, and its SQL, compiled here once (a syntax error is
 * reported with its line and column). Throws RULE_INVALID.
 */
export function validateRule(input: RuleDefinition): ValidatedRule {
  const parsed = definition.safeParse(input);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(rule)'}: ${i.message}`);
    throw new DomainError(ErrorCode.RULE_INVALID, problems.join('; '), { problems });
  }
  let sql: CompiledRuleSql;
  try {
    sql = compileRuleSql(parsed.data.sql);
  } catch (error) {
    if (!(error instanceof RuleSqlError)) throw error;
    throw new DomainError(ErrorCode.RULE_INVALID, `sql: ${error.message}`, { ...error.position });
  }
  const { name, description, actions, errorAction } = parsed.data;
  return {
    definition: {
      name,
      description: description ?? '',
      sql: parsed.data.sql,
      actions,
      errorAction: errorAction ?? null,
    },
    sql,
  };
}
