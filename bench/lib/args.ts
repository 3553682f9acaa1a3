export interface OptionSpec {
  /** A number, or a list of numbers (given as `--name 1,2,3`). */
  default: number | readonly number[];
  help: string;
  min?: number;
}

type OptionValue<O extends OptionSpec> = O['default'] extends readonly number[] ? number[] : number;

export type ParsedOptions<S extends Record<string, OptionSpec>> = { [K in keyof S]: OptionValue<S[K]> } & {
  flags: Set<string>;
};

/**
 * Parses `--name value` and `--name=value` numeric options (comma-separated lists for options whose
 * default is a list), plus bare `--flag`s listed in `flags`.
 * Prints usage and exits on `--help` or an unknown or invalid option.
 */
export function parseOptions<S extends Record<string, OptionSpec>>(
  usage: string,
  spec: S,
  flags: Record<string, string> = {},
  argv: readonly string[] = process.argv.slice(2),
): ParsedOptions<S> {
  const values: Record<string, number | number[]> = Object.fromEntries(
    Object.entries(spec).map(([k, s]) => [k, typeof s.default === 'number' ? s.default : [...s.default]]),
  );
  const seen = new Set<string>();
  const shown = (value: number | readonly number[]) => (typeof value === 'number' ? String(value) : value.join(','));
  const fail = (message?: string): never => {
    if (message) process.stderr.write(`${message}\n\n`);
    const lines = [
      usage,
      '',
      ...Object.entries(spec).map(
        ([k, s]) =>
          `  --${k} ${typeof s.default === 'number' ? '<n>' : '<n,…>'}`.padEnd(28) +
          `${s.help} (default ${shown(s.default)})`,
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
