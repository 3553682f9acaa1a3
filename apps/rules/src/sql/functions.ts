import { randomUUID } from 'node:crypto';
import type { Expr } from './ast';
import { compileDateFormat, type DateFormatter } from './date-format';
import type { EvalContext, Evaluator } from './rule-message';
import { RuleSqlError } from './sql-parser';
import { toNumber, toText, type Value } from './values';

interface FunctionSpec {
  min: number;
  max: number;
  /** Builds the evaluator once, at compile time; literal arguments can be checked and prepared here. */
  build(args: Evaluator[], nodes: Expr[]): Evaluator;
}

const literal = (node: Expr | undefined): Value | undefined => (node?.kind === 'literal' ? node.value : undefined);

/** `topic(n)`: the n-th level, 1-based, not counting the empty level before a leading `/` (Alibaba's rule). */
function topicLevels(ctx: EvalContext): string[] {
  if (!ctx.levels) {
    const levels = ctx.message.topic.split('/');
    ctx.levels = ctx.message.topic.startsWith('/') ? levels.slice(1) : levels;
  }
  return ctx.levels;
}

function mathFunction(f: (x: number) => number): FunctionSpec {
  return {
    min: 1,
    max: 1,
    build:
      ([arg]) =>
      (ctx) => {
        const x = toNumber(arg(ctx));
        return x === null ? null : f(x);
      },
  };
}

function textFunction(f: (s: string) => string): FunctionSpec {
  return {
    min: 1,
    max: 1,
    build:
      ([arg]) =>
      (ctx) => {
        const s = toText(arg(ctx));
        return s === null ? null : f(s);
      },
  };
}

const contextValue = (get: (ctx: EvalContext) => Value | undefined): FunctionSpec => ({
  min: 0,
  max: 0,
  build: () => (ctx) => get(ctx) ?? null,
});

/** Rounds half away from zero, to `digits` decimals, without binary-fraction surprises (1.005 → 1.01). */
function round(x: number, digits: number): number {
  const magnitude = Number(`${Math.round(Number(`${Math.abs(x)}e${digits}`))}e-${digits}`);
  return x < 0 ? -magnitude : magnitude;
}

const PAYLOAD_ENCODINGS = ['utf-8', 'utf8', 'base64', 'json'] as const;

function payloadAs(ctx: EvalContext, encoding: string): Value {
  const { raw, payload } = ctx.message;
  switch (encoding.toLowerCase()) {
    case 'base64':
      return Buffer.from(raw).toString('base64');
    case 'json':
      return payload ?? null;
    case 'utf-8':
    case 'utf8':
      return Buffer.from(raw).toString('utf8');
    default:
      return null;
  }
}

/** Function names are case-insensitive: `deviceName()` and `DEVICENAME()` are the same. */
export const FUNCTIONS: Record<string, FunctionSpec> = {
  devicename: contextValue((ctx) => ctx.message.deviceName),
  productkey: contextValue((ctx) => ctx.message.productKey),
  messageid: contextValue((ctx) => ctx.message.messageId),
  clientid: contextValue((ctx) => ctx.message.clientId),
  clientip: contextValue((ctx) => ctx.message.clientIp),
  newuuid: contextValue(() => randomUUID()),
  topic: {
    min: 0,
    max: 1,
    build: ([level], [node]) => {
      if (!level) return (ctx) => ctx.message.topic;
      const fixed = literal(node);
      if (node.kind === 'literal' && (typeof fixed !== 'number' || !Number.isInteger(fixed) || fixed < 1))
        throw new RuleSqlError('topic(n) takes a level number from 1', node.at);
      return (ctx) => {
        const n = toNumber(level(ctx));
        if (n === null || !Number.isInteger(n) || n < 1) return null;
        return topicLevels(ctx)[n - 1] ?? null;
      };
    },
  },
  timestamp: {
    min: 0,
    max: 1,
    build: ([format], [node]) => {
      if (!format) return (ctx) => ctx.now;
      const fixed = literal(node);
      if (node.kind === 'literal') {
        const formatter = typeof fixed === 'string' ? compileDateFormat(fixed) : undefined;
        if (!formatter)
          throw new RuleSqlError(`timestamp() has an invalid date format ${JSON.stringify(fixed)}`, node.at);
        return (ctx) => formatter(ctx.now);
      }
      const cache = new Map<string, DateFormatter | undefined>();
      return (ctx) => {
        const pattern = format(ctx);
        if (typeof pattern !== 'string') return null;
        let formatter = cache.get(pattern);
        if (!formatter && !cache.has(pattern)) {
          formatter = compileDateFormat(pattern);
          if (cache.size < 100) cache.set(pattern, formatter);
        }
        return formatter ? formatter(ctx.now) : null;
      };
    },
  },
  payload: {
    min: 0,
    max: 1,
    build: ([encoding], [node]) => {
      if (!encoding) return (ctx) => payloadAs(ctx, 'utf-8');
      const fixed = literal(node);
      if (
        node.kind === 'literal' &&
        !PAYLOAD_ENCODINGS.some((e) => typeof fixed === 'string' && e === fixed.toLowerCase())
      )
        throw new RuleSqlError(`payload() takes one of ${PAYLOAD_ENCODINGS.join(', ')}`, node.at);
      return (ctx) => {
        const e = encoding(ctx);
        return typeof e === 'string' ? payloadAs(ctx, e) : null;
      };
    },
  },
  lower: textFunction((s) => s.toLowerCase()),
  upper: textFunction((s) => s.toUpperCase()),
  concat: {
    min: 1,
    max: 100,
    // NULL arguments are skipped (as Postgres does); all NULL gives NULL.
    build: (args) => (ctx) => {
      const texts = args.map((a) => toText(a(ctx))).filter((t): t is string => t !== null);
      return texts.length === 0 ? null : texts.join('');
    },
  },
  substring: {
    min: 2,
    max: 3,
    // 0-based start (inclusive) and end (exclusive), clamped to the string, decimals truncated (AWS IoT SQL).
    build:
      ([text, start, end]) =>
      (ctx) => {
        const s = toText(text(ctx));
        const from = toNumber(start(ctx));
        const to = end ? toNumber(end(ctx)) : Number.POSITIVE_INFINITY;
        if (s === null || from === null || to === null) return null;
        const chars = Array.from(s);
        const clamp = (n: number) => Math.min(Math.max(Math.trunc(n), 0), chars.length);
        const [a, b] = [clamp(from), clamp(to)];
        return b <= a ? '' : chars.slice(a, b).join('');
      },
  },
  abs: mathFunction(Math.abs),
  floor: mathFunction(Math.floor),
  ceil: mathFunction(Math.ceil),
  round: {
    min: 1,
    max: 2,
    build:
      ([value, digits]) =>
      (ctx) => {
        const x = toNumber(value(ctx));
        const d = digits ? toNumber(digits(ctx)) : 0;
        if (x === null || d === null || !Number.isInteger(d) || d < 0 || d > 15) return null;
        return round(x, d);
      },
  },
  coalesce: {
    min: 1,
    max: 100,
    build: (args) => (ctx) => {
      for (const a of args) {
        const v = a(ctx);
        if (v !== null) return v;
      }
      return null;
    },
  },
};
