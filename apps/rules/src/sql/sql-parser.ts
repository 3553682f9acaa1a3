import { generate, type Parser, type parser } from 'peggy';
import type { Position, Statement } from './ast';
import { SQL_GRAMMAR } from './sql.grammar';

/** A rule that cannot be saved: what is wrong and where (1-based line and column, 0-based offset). */
export class RuleSqlError extends Error {
  constructor(
    message: string,
    readonly position: Position,
  ) {
    super(`${message} (line ${position.line}, column ${position.column})`);
    this.name = 'RuleSqlError';
  }
}

let generated: Parser | undefined;

/** The parser is generated from the grammar on first use, once per process (~0.1 s). */
function sqlParser(): Parser {
  generated ??= generate(SQL_GRAMMAR);
  return generated;
}

/** Parses a rule's SQL into its AST; a syntax error names what was expected and what was found, and where. */
export function parseRuleSql(sql: string): Statement {
  const p = sqlParser();
  try {
    return p.parse(sql) as Statement;
  } catch (error) {
    if (!(error instanceof p.SyntaxError)) throw error;
    const { line, column, offset } = error.location.start;
    throw new RuleSqlError(describeSyntaxError(error, sql, offset), { line, column, offset });
  }
}

function describeSyntaxError(error: parser.SyntaxError, sql: string, offset: number): string {
  if (!error.expected) return error.message;
  // Peggy names the one character it stopped at; the whole word reads better ("FORM", not "F").
  const word = /^(?:[A-Za-z0-9_$]+|\S)/.exec(sql.slice(offset))?.[0];
  const found = word === undefined ? 'end of the statement' : JSON.stringify(word);
  const expected = [...new Set(error.expected.map(describeExpectation))].sort();
  const list =
    expected.length > 1 ? `${expected.slice(0, -1).join(', ')} or ${expected[expected.length - 1]}` : expected[0];
  return `Syntax error: expected ${list} but found ${found}`;
}

function describeExpectation(e: parser.Expectation): string {
  switch (e.type) {
    case 'literal':
      return JSON.stringify(e.text);
    case 'other':
      return e.description;
    case 'end':
      return 'end of the statement';
    default:
      return 'a character';
  }
}
