export interface OptionSpec {
  /** A number, a list of numbers (given as `--name 1,2,3`), or a word (one of `choices`). */
  default: number | readonly number[] | string;
  help: string;
  min?: number;
  /** The values a word option accepts (every value when absent). */
  choices?: readonly string[];
}

type OptionValue<O extends OptionSpec> = O['default'] extends readonly number[]
  ? number[]
  : O['default'] extends string
    ? string
    : number;

export type ParsedOptions<S extends Record<string, OptionSpec>> = { [K in keyof S]: OptionValue<S[K]> } & {
  flags: Set<string>;
};

/**
 * Parses `--name value` and `--name=value` options: numbers (comma-separated lists for options whose
 * default is a list) and words (options whose default is a string, checked against `choices`), plus bare
 * `--flag`s listed in `flags`.
 * Prints usage and exits on `--help` or an unknown or invalid option.
 */
export function parseOptions<S extends Record<string, OptionSpec>>(
  usage: string,
  spec: S,
  flags: Record<string, string> = {},
  argv: readonly string[] = process.argv.slice(2),
): ParsedOptions<S> {
  const values: Record<string, number | number[] | string> = Object.fromEntries(
    Object.entries(spec).map(([k, s]) => [k, typeof s.default === 'object' ? [...s.default] : s.default]),
  );
  const seen = new Set<string>();
  const shown = (value: number | readonly number[] | string) =>
    typeof value === 'object' ? value.join(',') : String(value);
  const placeholder = (s: OptionSpec) =>
    typeof s.default === 'number'
      ? '<n>'
      : typeof s.default === 'string'
        ? `<${s.choices?.join('|') ?? 'word'}>`
        : '<n,…>';
  const fail = (message?: string): never => {
    if (message) process.stderr.write(`${message}\n\n`);
    const lines = [
      usage,
      '',
      ...Object.entries(spec).map(
        ([k, s]) => `  --${k} ${placeholder(s)}`.padEnd(28) + `${s.help} (default ${shown(s.default)})`,
      ),
      ...Object.entries(flags).map(([k, help]) => `  --${k}`.padEnd(28) + help),
    ];
    process.stderr.write(`${lines.join('\n')}\n`);
    process.exit(message ? 2 : 0);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') fail();
    const match = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/.exec(arg);
    if (!match) fail(`unexpected argument ${arg}`);
    const [, name, inline] = match!;
    if (name in flags && inline === undefined) {
      seen.add(name);
      continue;
    }
    if (!(name in spec)) fail(`unknown option --${name}`);
    const raw = inline ?? argv[++i];
    if (typeof spec[name].default === 'string') {
      const choices = spec[name].choices;
      if (raw === undefined || raw === '' || (choices && !choices.includes(raw)))
        fail(`--${name} needs ${choices ? `one of ${choices.join(', ')}` : 'a value'}, got ${raw}`);
      values[name] = raw;
      continue;
    }
    const min = spec[name].min ?? 0;
    const list = typeof spec[name].default !== 'number';
    const parts = raw === undefined ? [] : list ? raw.split(',') : [raw];
    const numbers = parts.map(Number);
    if (parts.length === 0 || numbers.some((n, j) => parts[j].trim() === '' || !Number.isInteger(n) || n < min))
      fail(`--${name} needs ${list ? 'a comma-separated list of integers' : 'an integer'} ≥ ${min}, got ${raw}`);
    values[name] = list ? numbers : numbers[0];
  }
  return Object.assign(values, { flags: seen }) as ParsedOptions<S>;
}
