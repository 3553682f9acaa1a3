import { isValidTopicFilter, topicMatchesFilter } from '@iot/protocol';
import type { Expr, SelectItem } from './ast';
import { FUNCTIONS } from './functions';
import type { EvalContext, Evaluator, RuleMessage } from './rule-message';
import { parseRuleSql, RuleSqlError } from './sql-parser';
import {
  and,
  arithmetic,
  compare,
  equals,
  getPath,
  isObject,
  likePattern,
  not,
  or,
  toText,
  toTruth,
  type Truth,
  type Value,
} from './values';

export type RuleOutput = Record<string, Value>;

/** A rule's SQL, parsed and turned into closures once; evaluating a message never parses again. */
export interface CompiledRuleSql {
  /** The FROM topic filter (MQTT `+` and `#`). */
  readonly topicFilter: string;
  matchesTopic(topic: string): boolean;
  /** The SELECT result when the message satisfies WHERE, else undefined. The topic is not checked here. */
  evaluate(message: RuleMessage, now?: number): RuleOutput | undefined;
}

/** Compiles a rule's SQL; a RuleSqlError names the problem and its line and column. */
export function compileRuleSql(sql: string): CompiledRuleSql {
  const statement = parseRuleSql(sql);
  const { filter, at } = statement.from;
  if (!isValidTopicFilter(filter))
    throw new RuleSqlError(
      `FROM needs a topic filter: levels separated by /, + for one level, # only as the last level; got ${JSON.stringify(filter)}`,
      at,
    );
  const where = statement.where ? truth(compileExpr(statement.where)) : undefined;
  const select = compileSelect(statement.select);
  return {
    topicFilter: filter,
    matchesTopic: (topic) => topicMatchesFilter(topic, filter),
    evaluate: (message, now = Date.now()) => {
      const ctx: EvalContext = { message, now };
      if (where && where(ctx) !== true) return undefined;
      return select(ctx);
    },
  };
}

function truth(evaluator: Evaluator): (ctx: EvalContext) => Truth {
  return (ctx) => toTruth(evaluator(ctx));
}

function compileSelect(items: SelectItem[]): (ctx: EvalContext) => RuleOutput {
  const parts = items.map((item, index): ((ctx: EvalContext, out: RuleOutput) => void) => {
    if (item.kind === 'star') {
      return (ctx, out) => {
        const payload = ctx.message.payload;
        if (payload !== undefined && isObject(payload)) Object.assign(out, payload);
      };
    }
    const name = item.alias ?? outputName(item.expr, index);
    const evaluate = compileExpr(item.expr);
    return (ctx, out) => {
      out[name] = evaluate(ctx);
    };
  });
  return (ctx) => {
    const out: RuleOutput = {};
    for (const part of parts) part(ctx, out);
    return out;
  };
}

/** A field keeps its last name (`items.Power.value` → `value`), a call its function's; others are `_<position>`. */
function outputName(expr: Expr, index: number): string {
  if (expr.kind === 'field') {
    const last = [...expr.path].reverse().find((p): p is string => typeof p === 'string');
    if (last !== undefined) return last;
  }
  if (expr.kind === 'call') return expr.name;
  return `_${index + 1}`;
}

function compileExpr(expr: Expr): Evaluator {
  switch (expr.kind) {
    case 'literal': {
      const value = expr.value;
      return () => value;
    }
    case 'field': {
      const path = expr.path;
      if (path.length === 1 && typeof path[0] === 'string') {
        const key = path[0];
        return (ctx) => {
          const payload = ctx.message.payload;
          return payload !== undefined && isObject(payload) && Object.hasOwn(payload, key) ? payload[key] : null;
        };
      }
      return (ctx) => getPath(ctx.message.payload, path);
    }
    case 'call':
      return compileCall(expr);
    case 'negate': {
      const operand = compileExpr(expr.operand);
      return (ctx) => arithmetic('-', 0, operand(ctx));
    }
    case 'not': {
      const operand = truth(compileExpr(expr.operand));
      return (ctx) => not(operand(ctx));
    }
    case 'binary':
      return compileBinary(expr.op, compileExpr(expr.left), compileExpr(expr.right));
    case 'isNull': {
      const operand = compileExpr(expr.operand);
      const negated = expr.negated;
      return (ctx) => (operand(ctx) === null) !== negated;
    }
    case 'in': {
      const operand = compileExpr(expr.operand);
      const list = expr.list.map(compileExpr);
      const negated = expr.negated;
      return (ctx) => {
        const value = operand(ctx);
        let result: Truth = false;
        for (const item of list) {
          const eq = equals(value, item(ctx));
          if (eq === true) {
            result = true;
            break;
          }
          if (eq === null) result = null;
        }
        return negated ? not(result) : result;
      };
    }
    case 'like':
      return compileLike(expr.operand, expr.pattern, expr.negated);
    case 'between': {
      const operand = compileExpr(expr.operand);
      const low = compileExpr(expr.low);
      const high = compileExpr(expr.high);
      const negated = expr.negated;
      return (ctx) => {
        const value = operand(ctx);
        const lowOk = compareWith('>=', value, low(ctx));
        const result = and(lowOk, () => compareWith('<=', value, high(ctx)));
        return negated ? not(result) : result;
      };
    }
    case 'case':
      return compileCase(expr);
  }
}

function compileCall(expr: Extract<Expr, { kind: 'call' }>): Evaluator {
  const spec = FUNCTIONS[expr.name.toLowerCase()];
  if (!spec) throw new RuleSqlError(`Unknown function ${expr.name}()`, expr.at);
  const count = expr.args.length;
  if (count < spec.min || count > spec.max) {
    const expected =
      spec.min === spec.max ? `${spec.min}` : spec.max >= 100 ? `at least ${spec.min}` : `${spec.min} to ${spec.max}`;
    throw new RuleSqlError(
      `${expr.name}() takes ${expected} argument${expected === '1' ? '' : 's'}, not ${count}`,
      expr.at,
    );
  }
  return spec.build(expr.args.map(compileExpr), expr.args);
}

function compareWith(op: '<' | '<=' | '>' | '>=', a: Value, b: Value): Truth {
  const c = compare(a, b);
  if (c === null) return null;
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
}

function compileBinary(op: Extract<Expr, { kind: 'binary' }>['op'], left: Evaluator, right: Evaluator): Evaluator {
  switch (op) {
    case 'and':
      return (ctx) => and(toTruth(left(ctx)), () => toTruth(right(ctx)));
    case 'or':
      return (ctx) => or(toTruth(left(ctx)), () => toTruth(right(ctx)));
    case '=':
      return (ctx) => equals(left(ctx), right(ctx));
    case '<>':
      return (ctx) => not(equals(left(ctx), right(ctx)));
    case '<':
    case '<=':
    case '>':
    case '>=':
      return (ctx) => compareWith(op, left(ctx), right(ctx));
    default:
      return (ctx) => arithmetic(op, left(ctx), right(ctx));
  }
}

function compileLike(operandExpr: Expr, patternExpr: Expr, negated: boolean): Evaluator {
  const operand = compileExpr(operandExpr);
  const fixed = patternExpr.kind === 'literal' && typeof patternExpr.value === 'string' ? patternExpr.value : undefined;
  const fixedPattern = fixed === undefined ? undefined : likePattern(fixed);
  const pattern = compileExpr(patternExpr);
  return (ctx) => {
    const text = toText(operand(ctx));
    const regex = fixedPattern ?? toRegex(pattern(ctx));
    if (text === null || regex === null) return null;
    const result = regex.test(text);
    return negated ? !result : result;
  };
}

function toRegex(pattern: Value): RegExp | null {
  const text = toText(pattern);
  return text === null ? null : likePattern(text);
}

function compileCase(expr: Extract<Expr, { kind: 'case' }>): Evaluator {
  const subject = expr.subject ? compileExpr(expr.subject) : undefined;
  const branches = expr.branches.map((b) => ({ when: compileExpr(b.when), then: compileExpr(b.then) }));
  const otherwise = expr.otherwise ? compileExpr(expr.otherwise) : () => null;
  return (ctx) => {
    const value = subject?.(ctx);
    for (const branch of branches) {
      const hit = subject ? equals(value ?? null, branch.when(ctx)) : toTruth(branch.when(ctx));
      if (hit === true) return branch.then(ctx);
    }
    return otherwise(ctx);
  };
}
