import { describe, expect, it } from 'vitest';
import type { RuleMessage } from './rule-message';
import { compileRuleSql } from './rule-sql';
import { RuleSqlError } from './sql-parser';
import type { Value } from './values';

/** 2024-02-29T13:04:05.006Z, a Thursday. */
const NOW = Date.UTC(2024, 1, 29, 13, 4, 5, 6);

const PAYLOAD = {
  temperature: 39.5,
  humidity: '61',
  name: 'Lamp',
  on: true,
  off: false,
  nothing: null,
  zero: 0,
  items: { Power: { value: 'on', time: 1524448722000 }, WF: { value: 23.6 } },
  list: [10, 20, { deep: 'x' }],
  'temp-1': 7,
  from: 'keyword',
};

function message(payload: Value = PAYLOAD, overrides: Partial<RuleMessage> = {}): RuleMessage {
  return {
    topic: '/pk1/dev1/user/update',
    payload,
    raw: Buffer.from(JSON.stringify(payload)),
    productKey: 'pk1',
    deviceName: 'dev1',
    messageId: 'msg-1',
    clientId: 'pk1.dev1|securemode=3|',
    clientIp: '10.0.0.7',
    receivedAt: 1_700_000_000_000,
    ...overrides,
  };
}

/** The value of one expression, evaluated against PAYLOAD (or another message). */
function value(expression: string, msg: RuleMessage = message()): Value {
  return compileRuleSql(`SELECT ${expression} AS v FROM "#"`).evaluate(msg, NOW)?.v as Value;
}

/** Whether a WHERE condition holds for PAYLOAD. */
function holds(condition: string, msg: RuleMessage = message()): boolean {
  return compileRuleSql(`SELECT * FROM "#" WHERE ${condition}`).evaluate(msg, NOW) !== undefined;
}

function sqlError(sql: string): RuleSqlError {
  try {
    compileRuleSql(sql);
  } catch (error) {
    if (error instanceof RuleSqlError) return error;
    throw error;
  }
  throw new Error(`compiled: ${sql}`);
}

describe('rule SQL: the issue example', () => {
  const rule = compileRuleSql(
    'SELECT temperature AS t, deviceName() AS device FROM "/pk1/+/user/update" WHERE temperature > 38',
  );

  it('selects from a matching message and skips one that fails WHERE', () => {
    expect(rule.topicFilter).toBe('/pk1/+/user/update');
    expect(rule.evaluate(message(), NOW)).toEqual({ t: 39.5, device: 'dev1' });
    expect(rule.evaluate(message({ temperature: 38 }), NOW)).toBeUndefined();
    expect(rule.evaluate(message({ humidity: 1 }), NOW)).toBeUndefined();
  });

  it.each([
    ['/pk1/dev1/user/update', true],
    ['/pk1/other/user/update', true],
    ['/pk2/dev1/user/update', false],
    ['/pk1/dev1/user/update/more', false],
    ['/pk1/dev1/user', false],
  ])('FROM matches %s: %s', (topic, matches) => {
    expect(rule.matchesTopic(topic)).toBe(matches);
  });
});

describe('rule SQL: syntax errors carry their position', () => {
  it.each([
    ['SELECT a FORM "/x"', 1, 10, 'expected', '"FORM"'],
    ['SELECT a,\n  b + FROM "/x"', 2, 7, 'expected', '"FROM"'],
    ['SELECT a FROM /x', 1, 15, 'quoted topic filter', '"/"'],
    ['SELECT a FROM "/x" WHERE', 1, 25, 'expected', 'end of the statement'],
    ['SELECT a FROM "/x" WHERE a >', 1, 29, 'expected', 'end of the statement'],
    ['SELECT a FROM "/x" WHERE (a > 1', 1, 32, '")"', 'end of the statement'],
    ['SELECT FROM "/x"', 1, 8, 'expected', '"FROM"'],
    ['SELEC a FROM "/x"', 1, 1, 'SELECT', '"SELEC"'],
    ['SELECT a FROM "/x" WHERE a = 1 extra', 1, 32, 'end of the statement', '"extra"'],
    ['SELECT \'open FROM "/x"', 1, 8, 'expected', '"\'"'],
    ['SELECT a FROM "/x" WHERE a IN 1', 1, 31, '"("', '"1"'],
    ['SELECT CASE WHEN a THEN 1 FROM "/x"', 1, 27, 'END', '"FROM"'],
    ['SELECT a AS FROM "/x"', 1, 13, 'name', '"FROM"'],
    ['SELECT a FROM "/x"\nWHERE a LIKE', 2, 13, 'expected', 'end of the statement'],
  ])('%j → line %i, column %i', (sql, line, column, expected, found) => {
    const error = sqlError(sql);
    expect(error.position).toMatchObject({ line, column });
    expect(error.message).toContain(expected);
    expect(error.message).toContain(`found ${found}`);
    expect(error.message).toContain(`(line ${line}, column ${column})`);
  });

  it.each([
    ['SELECT nosuch() FROM "/x"', 1, 8, 'Unknown function nosuch()'],
    ['SELECT a FROM "/x" WHERE lower(a, b) = 1', 1, 26, 'lower() takes 1 argument, not 2'],
    ['SELECT deviceName(1) FROM "/x"', 1, 8, 'deviceName() takes 0 arguments, not 1'],
    ['SELECT substring(a) FROM "/x"', 1, 8, 'substring() takes 2 to 3 arguments, not 1'],
    ['SELECT concat() FROM "/x"', 1, 8, 'concat() takes at least 1 argument'],
    ['SELECT topic(0) FROM "/x"', 1, 14, 'topic(n) takes a level number from 1'],
    ['SELECT topic(\'a\') FROM "/x"', 1, 14, 'topic(n) takes a level number from 1'],
    ['SELECT topic(1.5) FROM "/x"', 1, 14, 'topic(n) takes a level number from 1'],
    ['SELECT timestamp(\'yyyy-QQ\') FROM "/x"', 1, 18, 'invalid date format'],
    ['SELECT payload(\'latin1\') FROM "/x"', 1, 16, 'payload() takes one of'],
    ['SELECT a FROM "/x/#/y"', 1, 15, 'FROM needs a topic filter'],
    ['SELECT a FROM "/x/a+"', 1, 15, 'FROM needs a topic filter'],
    ['SELECT a FROM ""', 1, 15, 'FROM needs a topic filter'],
    ['SELECT a\nFROM "/x"\nWHERE\n  upper() = 1', 4, 3, 'upper() takes 1 argument, not 0'],
  ])('%j is refused at line %i, column %i', (sql, line, column, message) => {
    const error = sqlError(sql);
    expect(error.position).toMatchObject({ line, column });
    expect(error.message).toContain(message);
  });
});

describe('rule SQL: grammar', () => {
  it.each([
    ['select a from "/x" where a = 1', true],
    ['SeLeCt a FrOm "/x" WhErE a = 1', true],
    ['SELECT a FROM "/x";', true],
    ["SELECT a FROM '/x'", true],
    ['  SELECT\n\ta\nFROM\n"/x"  \n', true],
    ['SELECT a -- the field\nFROM "/x" -- done', true],
    ['SELECT *, deviceName() AS dn FROM "/x"', true],
    ['SELECT `from`, `temp-1` AS `select` FROM "/x"', true],
    ['SELECT a.b[0].c, list[2].deep FROM "/x"', true],
    ['SELECT from FROM "/x"', false],
    ['SELECT a FROM "/x" WHERE', false],
    ['SELECT a b FROM "/x"', false],
    ['SELECT a FROM "/x" "/y"', false],
    ['SELECT * * FROM "/x"', false],
    ['SELECT a FROM "/x" WHERE a = = 1', false],
  ])('%j parses: %s', (sql, ok) => {
    if (ok) expect(() => compileRuleSql(sql)).not.toThrow();
    else expect(() => compileRuleSql(sql)).toThrow(RuleSqlError);
  });
});

describe('rule SQL: fields and literals', () => {
  it.each<[string, Value]>([
    ['temperature', 39.5],
    ['humidity', '61'],
    ['nothing', null],
    ['missing', null],
    ['missing.deeper.still', null],
    ['items.Power.value', 'on'],
    ['items.WF.value', 23.6],
    ['items.Power', { value: 'on', time: 1524448722000 }],
    ['items.Power.value.more', null],
    ['list[0]', 10],
    ['list[2].deep', 'x'],
    ['list[3]', null],
    ['list.deep', null],
    ['name[0]', null],
    ['`temp-1`', 7],
    ['`from`', 'keyword'],
    ['42', 42],
    ['4.25', 4.25],
    ['1e3', 1000],
    ['-7', -7],
    ["'text'", 'text'],
    ['"double"', 'double'],
    ["'it''s'", "it's"],
    ["'tab\\there'", 'tab\there'],
    ["'\\u00e9'", 'é'],
    ['true', true],
    ['FALSE', false],
    ['null', null],
  ])('%s → %j', (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });

  it('a payload that is not JSON has no fields', () => {
    const binary = message(PAYLOAD, { payload: undefined, raw: Buffer.from([0xff, 0x00, 0x41]) });
    expect(value('temperature', binary)).toBeNull();
    expect(value("payload('base64')", binary)).toBe('/wBB');
    expect(value("payload('json')", binary)).toBeNull();
    expect(compileRuleSql('SELECT * FROM "#"').evaluate(binary, NOW)).toEqual({});
  });

  it('a JSON payload that is not an object has no fields, and * adds nothing', () => {
    expect(value('a', message([1, 2]))).toBeNull();
    expect(compileRuleSql('SELECT * FROM "#"').evaluate(message(42), NOW)).toEqual({});
    expect(compileRuleSql('SELECT * FROM "#"').evaluate(message([1]), NOW)).toEqual({});
  });
});

describe('rule SQL: operators', () => {
  it.each<[string, Value]>([
    ['1 + 2', 3],
    ['7 - 10', -3],
    ['6 * 7', 42],
    ['7 / 2', 3.5],
    ['7 % 4', 3],
    ['-7 % 4', -3],
    ['1 / 0', null],
    ['1 % 0', null],
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['10 - 4 - 3', 3],
    ['2 * -temperature', -79],
    ['-(1 + 2)', -3],
    ['- humidity', -61],
    ['humidity + 1', 62],
    ["'abc' + 1", null],
    ['null + 1', null],
    ['missing * 2', null],
    ['on + 1', null],
    ['temperature > 38', true],
    ['temperature >= 39.5', true],
    ['temperature < 39.5', false],
    ['temperature <= 39.5', true],
    ['temperature = 39.5', true],
    ['temperature == 39.5', true],
    ['temperature <> 39.5', false],
    ['temperature != 40', true],
    ['humidity = 61', true],
    ['humidity > 60', true],
    ["humidity = '61'", true],
    ["name = 'Lamp'", true],
    ["name = 'lamp'", false],
    ["name < 'Lamq'", true],
    ['name > 1', null],
    ['name = 1', false],
    ['on = true', true],
    ['on = 1', false],
    ['on > false', null],
    ['items.Power = items.Power', true],
    ['list = list', true],
    ['items.Power = list', false],
    ['missing = 1', null],
    ['missing <> 1', null],
    ['nothing = null', null],
    ['missing > 1', null],
    ['true AND true', true],
    ['true AND false', false],
    ['true AND null', null],
    ['false AND null', false],
    ['null AND false', false],
    ['null AND null', null],
    ['true OR null', true],
    ['null OR true', true],
    ['false OR null', null],
    ['false OR false', false],
    ['NOT true', false],
    ['NOT false', true],
    ['NOT null', null],
    ['NOT NOT true', true],
    ['NOT temperature > 40', true],
    ['1 = 1 OR 1 = 2 AND 1 = 3', true],
    ['(1 = 1 OR 1 = 2) AND 1 = 3', false],
    ['NOT 1 = 2 AND 2 = 2', true],
    ['temperature AND true', null],
    ['missing IS NULL', true],
    ['nothing IS NULL', true],
    ['zero IS NULL', false],
    ['temperature IS NOT NULL', true],
    ['missing IS NOT NULL', false],
    ["name IN ('Lamp', 'Fan')", true],
    ["name IN ('Fan')", false],
    ["name NOT IN ('Fan')", true],
    ["name NOT IN ('Lamp')", false],
    ['humidity IN (60, 61)', true],
    ['missing IN (1, 2)', null],
    ['1 IN (2, null)', null],
    ['1 IN (1, null)', true],
    ['1 NOT IN (2, null)', null],
    ['temperature IN (39.5 + 0, 1)', true],
    ["name LIKE 'La%'", true],
    ["name LIKE 'L_mp'", true],
    ["name LIKE 'L_p'", false],
    ["name LIKE '%amp'", true],
    ["name LIKE 'lamp'", false],
    ["name NOT LIKE 'Fan%'", true],
    ["'50%' LIKE '50\\\\%'", true],
    ["'505' LIKE '50\\\\%'", false],
    ["'a.c' LIKE 'a.c'", true],
    ["'abc' LIKE 'a.c'", false],
    ["'a\nb' LIKE 'a%b'", true],
    ["missing LIKE '%'", null],
    ["temperature LIKE '39%'", true],
    ['name LIKE missing', null],
    ["name LIKE concat('L', '%')", true],
    ['temperature BETWEEN 39 AND 40', true],
    ['temperature BETWEEN 40 AND 50', false],
    ['temperature NOT BETWEEN 40 AND 50', true],
    ['39.5 BETWEEN 39.5 AND 39.5', true],
    ['missing BETWEEN 1 AND 2', null],
    ["name BETWEEN 'K' AND 'M'", true],
  ])('%s → %j', (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });

  it.each<[string, Value]>([
    ["CASE WHEN temperature > 40 THEN 'hot' WHEN temperature > 30 THEN 'warm' ELSE 'cold' END", 'warm'],
    ["CASE WHEN temperature > 40 THEN 'hot' END", null],
    ["CASE WHEN missing > 1 THEN 'x' ELSE 'unknown is not true' END", 'unknown is not true'],
    ["CASE name WHEN 'Fan' THEN 1 WHEN 'Lamp' THEN 2 ELSE 3 END", 2],
    ["CASE humidity WHEN 61 THEN 'numeric match' END", 'numeric match'],
    ["CASE missing WHEN null THEN 'never' ELSE 'else' END", 'else'],
    ['CASE WHEN on THEN temperature * 2 END', 79],
    ["CASE WHEN true THEN CASE WHEN false THEN 1 ELSE 'nested' END END", 'nested'],
  ])('%s → %j', (expression, expected) => {
    expect(value(expression)).toEqual(expected);
  });
});

describe('rule SQL: functions', () => {
  const msg = message(PAYLOAD, { topic: '/sys/pk1/dev1/thing/event/property/post' });

  it.each<[string, Value]>([
    ['deviceName()', 'dev1'],
    ['DEVICENAME()', 'dev1'],
    ['productKey()', 'pk1'],
    ['messageId()', 'msg-1'],
    ['clientId()', 'pk1.dev1|securemode=3|'],
    ['clientIp()', '10.0.0.7'],
    ['topic()', '/sys/pk1/dev1/thing/event/property/post'],
    ['topic(1)', 'sys'],
    ['topic(2)', 'pk1'],
    ['topic(3)', 'dev1'],
    ['topic(7)', 'post'],
    ['topic(8)', null],
    ['topic(1 + 1)', 'pk1'],
    ['topic(missing)', null],
    ['topic(zero + 1.5)', null],
    ['timestamp()', NOW],
    ["timestamp('yyyy-MM-dd HH:mm:ss.SSS')", '2024-02-29 13:04:05.006'],
    ["timestamp('yyyy-MM-dd\\'T\\'HH:mm:ss\\'Z\\'')", '2024-02-29T13:04:05Z'],
    ["timestamp('yyyy-MM-dd''T''HH:mm:ssX')", '2024-02-29T13:04:05Z'],
    ["timestamp('yyMMdd')", '240229'],
    ["timestamp('d/M/yyyy h:mm a')", '29/2/2024 1:04 PM'],
    ["timestamp('EEE, dd MMM yyyy HH:mm:ss Z')", 'Thu, 29 Feb 2024 13:04:05 +0000'],
    ["timestamp('EEEE MMMM')", 'Thursday February'],
    ["timestamp('''o''''clock'' HH')", "o'clock 13"],
    ["timestamp(concat('yyyy', '-MM'))", '2024-02'],
    ["timestamp(concat('yyyy', '-QQ'))", null],
    ['timestamp(missing)', null],
    ["lower('MiXeD')", 'mixed'],
    ["upper('MiXeD')", 'MIXED'],
    ['upper(name)', 'LAMP'],
    ['lower(missing)', null],
    ['upper(on)', 'TRUE'],
    ['lower(42)', '42'],
    ["concat('a', 'b', 'c')", 'abc'],
    ["concat(deviceName(), '-', productKey())", 'dev1-pk1'],
    ["concat('t=', temperature)", 't=39.5'],
    ["concat('a', missing, 'b')", 'ab'],
    ['concat(missing, nothing)', null],
    ["substring('012345', 0)", '012345'],
    ["substring('012345', 2)", '2345'],
    ["substring('012345', 2.745)", '2345'],
    ["substring('012345', 1, 3)", '12'],
    ["substring('012345', -1)", '012345'],
    ["substring('012345', -50, 50)", '012345'],
    ["substring('012345', 3, 1)", ''],
    ["substring('012345', 6)", ''],
    ['substring(123, 2)', '3'],
    ["substring('héllo', 1, 2)", 'é'],
    ['substring(missing, 1)', null],
    ["substring('abc', missing)", null],
    ['abs(-3.5)', 3.5],
    ['abs(4)', 4],
    ["abs('-2')", 2],
    ['abs(name)', null],
    ['floor(2.7)', 2],
    ['floor(-2.2)', -3],
    ['ceil(2.2)', 3],
    ['ceil(-2.7)', -2],
    ['round(2.5)', 3],
    ['round(-2.5)', -3],
    ['round(2.4)', 2],
    ['round(1.005, 2)', 1.01],
    ['round(temperature / 3, 1)', 13.2],
    ['round(missing)', null],
    ['round(1.5, -1)', null],
    ['round(1.5, 0.5)', null],
    ['floor(missing)', null],
    ['coalesce(missing, nothing, 3)', 3],
    ['coalesce(missing)', null],
    ["payload('json') = payload('json')", true],
    ["payload('base64')", Buffer.from(JSON.stringify(PAYLOAD)).toString('base64')],
    ['payload()', JSON.stringify(PAYLOAD)],
  ])('%s → %j', (expression, expected) => {
    expect(value(expression, msg)).toEqual(expected);
  });

  it("payload('json') is the whole payload", () => {
    expect(value("payload('json')", msg)).toEqual(PAYLOAD);
  });

  it('newuuid() gives a fresh UUID each time', () => {
    const rule = compileRuleSql('SELECT newuuid() AS a, newuuid() AS b FROM "#"');
    const out = rule.evaluate(message(), NOW)!;
    expect(out.a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(out.b).not.toBe(out.a);
  });

  it('timestamp() is the evaluation time, in epoch milliseconds', () => {
    const before = Date.now();
    const at = compileRuleSql('SELECT timestamp() AS t FROM "#"').evaluate(message())!.t as number;
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Date.now());
  });

  it('topic(n) counts from the first level of topics without a leading slash too', () => {
    expect(value('topic(1)', message(PAYLOAD, { topic: 'a/b/c' }))).toBe('a');
  });

  it('clientIp() and clientId() are null for messages without them', () => {
    const platformEvent = message(PAYLOAD, { clientIp: undefined, clientId: undefined });
    expect(value('clientIp()', platformEvent)).toBeNull();
    expect(value('clientId()', platformEvent)).toBeNull();
  });
});

describe('rule SQL: WHERE holds only when true', () => {
  it.each([
    ['temperature > 38', true],
    ['temperature > 40', false],
    ['missing > 1', false],
    ['NOT missing > 1', false],
    ['missing IS NULL', true],
    ['on', true],
    ['off', false],
    ['nothing', false],
    ['zero', false],
    ["name = 'Lamp' OR missing = 1", true],
    ["name = 'Fan' OR missing = 1", false],
    ["temperature > 38 AND humidity > 60 AND items.Power.value = 'on'", true],
  ])('WHERE %s: %s', (condition, expected) => {
    expect(holds(condition)).toBe(expected);
  });
});

describe('rule SQL: SELECT output', () => {
  it.each<[string, Record<string, Value>]>([
    ['SELECT * FROM "#"', PAYLOAD],
    ['SELECT *, deviceName() AS temperature FROM "#"', { ...PAYLOAD, temperature: 'dev1' }],
    ['SELECT deviceName() AS d, * FROM "#"', { d: 'dev1', ...PAYLOAD }],
    [
      'SELECT temperature, items.Power.value, deviceName() FROM "#"',
      { temperature: 39.5, value: 'on', deviceName: 'dev1' },
    ],
    ['SELECT list[1], 1 + 1, name AS n FROM "#"', { list: 20, _2: 2, n: 'Lamp' }],
    ['SELECT missing, nothing AS n FROM "#"', { missing: null, n: null }],
    ['SELECT `temp-1` AS `weird name` FROM "#"', { 'weird name': 7 }],
    ['SELECT a AS x, b AS x FROM "#"', { x: null }],
  ])('%s', (sql, expected) => {
    expect(compileRuleSql(sql).evaluate(message(), NOW)).toEqual(expected);
  });

  it('WHERE decides, SELECT shapes: a false or unknown condition gives no output', () => {
    const rule = compileRuleSql('SELECT name FROM "#" WHERE name = \'Lamp\' AND humidity > 60');
    expect(rule.evaluate(message(), NOW)).toEqual({ name: 'Lamp' });
    expect(rule.evaluate(message({ name: 'Lamp' }), NOW)).toBeUndefined();
    expect(rule.evaluate(message({ name: 'Fan', humidity: 99 }), NOW)).toBeUndefined();
  });
});

describe('rule SQL: FROM topic filters', () => {
  it.each([
    ['/pk1/+/user/update', '/pk1/dev1/user/update', true],
    ['/pk1/+/user/#', '/pk1/dev1/user/a/b', true],
    ['/pk1/+/user/#', '/pk1/dev1/user', true],
    ['/pk1/#', '/pk2/dev1/user', false],
    ['/sys/+/+/thing/event/+/post', '/sys/pk/dn/thing/event/alarm/post', true],
    ['/sys/+/+/thing/event/+/post', '/sys/pk/dn/thing/event/property/post', true],
    ['/sys/pk/+/thing/lifecycle', '/sys/pk/dn/thing/lifecycle', true],
    ['#', '/anything/at/all', true],
    ['/a/b', '/a/b', true],
    ['/a/b', '/a/B', false],
  ])('%s matches %s: %s', (filter, topic, expected) => {
    expect(compileRuleSql(`SELECT * FROM "${filter}"`).matchesTopic(topic)).toBe(expected);
  });
});
