/** Where a node starts in the rule's SQL text: 1-based line and column, 0-based offset. */
export interface Position {
  line: number;
  column: number;
  offset: number;
}

export type BinaryOperator = '+' | '-' | '*' | '/' | '%' | '=' | '<>' | '<' | '<=' | '>' | '>=' | 'and' | 'or';

/** The rule dialect's expressions, as the parser (sql.grammar.ts) builds them. */
export type Expr =
  | { kind: 'literal'; value: null | boolean | number | string; at: Position }
  /** A JSON path into the payload: names and 0-based array indexes. */
  | { kind: 'field'; path: (string | number)[]; at: Position }
  | { kind: 'call'; name: string; args: Expr[]; at: Position }
  | { kind: 'negate'; operand: Expr; at: Position }
  | { kind: 'not'; operand: Expr; at: Position }
  | { kind: 'binary'; op: BinaryOperator; left: Expr; right: Expr; at: Position }
  | { kind: 'isNull'; operand: Expr; negated: boolean; at: Position }
  | { kind: 'in'; operand: Expr; list: Expr[]; negated: boolean; at: Position }
  | { kind: 'like'; operand: Expr; pattern: Expr; negated: boolean; at: Position }
  | { kind: 'between'; operand: Expr; low: Expr; high: Expr; negated: boolean; at: Position }
  | {
      kind: 'case';
      /** `CASE x WHEN 1 THEN …` compares x with each WHEN; `CASE WHEN cond THEN …` has none. */
      subject: Expr | null;
      branches: { when: Expr; then: Expr }[];
      otherwise: Expr | null;
      at: Position;
    };

export type SelectItem =
  { kind: 'star'; at: Position } | { kind: 'expr'; expr: Expr; alias: string | null; at: Position };

export interface Statement {
  select: SelectItem[];
  from: { filter: string; at: Position };
  where: Expr | null;
}
