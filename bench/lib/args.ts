export interface OptionSpec {
  default: number;
  help: string;
  min?: number;
}

export type ParsedOptions<S extends Record<string, OptionSpec>> = { [K in keyof S]: number } & { flags: Set<string> };

/**
 * Parses `--name value` and `--name=value` numeric options, plus bare `--flag`s listed in `flags`.
 * Prints usage and exits on `--help` or an unknown or invalid option.
 */
export function parseOptions<S extends Record<string, OptionSpec>>(
  usage: string,
  spec: S,
  flags: Record<string, string> = {},
  argv: readonly string[] = process.argv.slice(2),
): ParsedOptions<S> {
  const values: Record<string, number> = Object.fromEntries(Object.entries(spec).map(([k, s]) => [k, s.default]));
  const seen = new Set<string>();
  const fail = (message?: string): never => {
    if (message) process.stderr.write(`${message}\n\n`);
    const lines = [
      usage,
      '',
      ...Object.entries(spec).map(([k, s]) => `  --${k} <n>`.padEnd(28) + `${s.help} (default ${s.default})`),
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
    const value = Number(raw);
    const min = spec[name].min ?? 0;
    if (raw === undefined || !Number.isInteger(value) || value < min)
      fail(`--${name} needs an integer ≥ ${min}, got ${raw}`);
    values[name] = value;
  }
  return Object.assign(values, { flags: seen }) as ParsedOptions<S>;
}
