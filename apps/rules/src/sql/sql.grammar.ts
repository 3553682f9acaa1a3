/**
 * The rule dialect as a Peggy (PEG) grammar, turned into a parser once per process (sql-parser.ts).
 * The actions build the AST of ast.ts; every node carries the position where it starts.
 *
 *   SELECT <item>, … FROM "<topic filter>" [WHERE <condition>]
 *   item:       *  |  <expression> [AS <name>]
 *   precedence: OR < AND < NOT < comparison, IS [NOT] NULL, [NOT] IN, [NOT] LIKE, [NOT] BETWEEN
 *               < + - < * / % < unary - < literal, CASE, call, field path, ( … )
 *
 * Keywords are case-insensitive. Strings take single or double quotes ('' or \' inside); names that are
 * keywords or hold other characters take backquotes (`from`, `temp-1`).
 */
export const SQL_GRAMMAR = String.raw`
{{
  function pos(loc) {
    return { line: loc.start.line, column: loc.start.column, offset: loc.start.offset };
  }
  function fold(head, tail) {
    return tail.reduce((left, [op, right]) => ({ kind: 'binary', op, left, right, at: left.at }), head);
  }
  function chain(op, head, tail) {
    return tail.reduce((left, right) => ({ kind: 'binary', op, left, right, at: left.at }), head);
  }
}}

Statement
  = _ SELECT _ select:SelectList _ FROM _ from:Topic where:(_ WHERE _ @Expression)? _ (";" _)? EOF
    { return { select, from, where: where ?? null }; }

EOF "end of the statement"
  = !.

SelectList
  = head:SelectItem tail:(_ "," _ @SelectItem)*
    { return [head, ...tail]; }

SelectItem
  = "*"
    { return { kind: 'star', at: pos(location()) }; }
  / expr:Expression alias:(_ AS _ @Name)?
    { return { kind: 'expr', expr, alias: alias ?? null, at: pos(location()) }; }

Topic "quoted topic filter"
  = '"' filter:$[^"]* '"'
    { return { filter, at: pos(location()) }; }
  / "'" filter:$[^']* "'"
    { return { filter, at: pos(location()) }; }

Expression
  = OrExpression

OrExpression
  = head:AndExpression tail:(_ OR _ @AndExpression)*
    { return chain('or', head, tail); }

AndExpression
  = head:NotExpression tail:(_ AND _ @NotExpression)*
    { return chain('and', head, tail); }

NotExpression
  = NOT _ operand:NotExpression
    { return { kind: 'not', operand, at: pos(location()) }; }
  / Predicate

Predicate
  = operand:Additive tail:(_ @PredicateTail)?
    { return tail ? tail(operand) : operand; }

PredicateTail
  = op:CompareOperator _ right:Additive
    { return (left) => ({ kind: 'binary', op, left, right, at: left.at }); }
  / IS _ negated:(NOT _)? NULL
    { return (operand) => ({ kind: 'isNull', operand, negated: negated !== null, at: operand.at }); }
  / negated:(NOT _)? IN _ "(" _ list:ExpressionList _ ")"
    { return (operand) => ({ kind: 'in', operand, list, negated: negated !== null, at: operand.at }); }
  / negated:(NOT _)? LIKE _ pattern:Additive
    { return (operand) => ({ kind: 'like', operand, pattern, negated: negated !== null, at: operand.at }); }
  / negated:(NOT _)? BETWEEN _ low:Additive _ AND _ high:Additive
    { return (operand) => ({ kind: 'between', operand, low, high, negated: negated !== null, at: operand.at }); }

CompareOperator "comparison operator"
  = "<=" / ">=" / "<>" / "!=" { return '<>'; } / "==" { return '='; } / "=" / "<" / ">"

Additive
  = head:Multiplicative tail:(_ @AddOperator _ @Multiplicative)*
    { return fold(head, tail); }

AddOperator "arithmetic operator"
  = $[-+]

Multiplicative
  = head:Unary tail:(_ @MultiplyOperator _ @Unary)*
    { return fold(head, tail); }

MultiplyOperator "arithmetic operator"
  = $[*/%]

Unary
  = "-" _ operand:Unary
    {
      return operand.kind === 'literal' && typeof operand.value === 'number'
        ? { kind: 'literal', value: -operand.value, at: pos(location()) }
        : { kind: 'negate', operand, at: pos(location()) };
    }
  / "+" _ @Unary
  / Primary

Primary
  = Literal
  / Case
  / Call
  / Field
  / "(" _ @Expression _ ")"

Literal
  = value:Number
    { return { kind: 'literal', value, at: pos(location()) }; }
  / value:String
    { return { kind: 'literal', value, at: pos(location()) }; }
  / TRUE
    { return { kind: 'literal', value: true, at: pos(location()) }; }
  / FALSE
    { return { kind: 'literal', value: false, at: pos(location()) }; }
  / NULL
    { return { kind: 'literal', value: null, at: pos(location()) }; }

Number "number"
  = [0-9]+ ("." [0-9]+)? ([eE] [-+]? [0-9]+)? !IdentifierPart
    { return Number(text()); }

String "string"
  = "'" chars:SingleQuoted* "'"
    { return chars.join(''); }
  / '"' chars:DoubleQuoted* '"'
    { return chars.join(''); }

SingleQuoted
  = "''" { return "'"; }
  / "\\" @Escape
  / [^'\\]

DoubleQuoted
  = '""' { return '"'; }
  / "\\" @Escape
  / [^"\\]

Escape
  = "n" { return "\n"; }
  / "t" { return "\t"; }
  / "r" { return "\r"; }
  / "u" hex:$([0-9a-fA-F]|4|) { return String.fromCharCode(parseInt(hex, 16)); }
  / .

Case
  = CASE _ subject:(@Expression _)? branches:(WHEN _ @Expression _ THEN _ @Expression _)+ otherwise:(ELSE _ @Expression _)? END
    {
      return {
        kind: 'case',
        subject: subject ?? null,
        branches: branches.map(([when, then]) => ({ when, then })),
        otherwise: otherwise ?? null,
        at: pos(location()),
      };
    }

Call
  = name:Identifier _ "(" _ args:ExpressionList? _ ")"
    { return { kind: 'call', name, args: args ?? [], at: pos(location()) }; }

ExpressionList
  = head:Expression tail:(_ "," _ @Expression)*
    { return [head, ...tail]; }

Field
  = head:Name tail:("." @Name / "[" _ @Index _ "]")*
    { return { kind: 'field', path: [head, ...tail], at: pos(location()) }; }

Index "array index"
  = digits:$[0-9]+
    { return Number(digits); }

Name "name"
  = Identifier
  / "\u0060" @$[^\u0060]+ "\u0060"

Identifier "name"
  = !Keyword @$([A-Za-z_$] IdentifierPart*)

IdentifierPart
  = [A-Za-z0-9_$]

_ "whitespace"
  = ([ \t\r\n] / "--" [^\n]*)*

Keyword
  = SELECT / FROM / WHERE / AS / AND / OR / NOT / IN / LIKE / IS / NULL / TRUE / FALSE
  / CASE / WHEN / THEN / ELSE / END / BETWEEN

SELECT "SELECT" = "select"i !IdentifierPart
FROM "FROM" = "from"i !IdentifierPart
WHERE "WHERE" = "where"i !IdentifierPart
AS "AS" = "as"i !IdentifierPart
AND "AND" = "and"i !IdentifierPart
OR "OR" = "or"i !IdentifierPart
NOT "NOT" = "not"i !IdentifierPart
IN "IN" = "in"i !IdentifierPart
LIKE "LIKE" = "like"i !IdentifierPart
IS "IS" = "is"i !IdentifierPart
NULL "NULL" = "null"i !IdentifierPart
TRUE "TRUE" = "true"i !IdentifierPart
FALSE "FALSE" = "false"i !IdentifierPart
CASE "CASE" = "case"i !IdentifierPart
WHEN "WHEN" = "when"i !IdentifierPart
THEN "THEN" = "then"i !IdentifierPart
ELSE "ELSE" = "else"i !IdentifierPart
END "END" = "end"i !IdentifierPart
BETWEEN "BETWEEN" = "between"i !IdentifierPart
`;
