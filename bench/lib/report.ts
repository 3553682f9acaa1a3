import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root, from bench/lib (run through @swc-node/register) or dist/bench/lib (built). */
export const repoRoot =
  [resolve(__dirname, '..', '..'), resolve(__dirname, '..', '..', '..')].find((d) =>
    existsSync(join(d, 'package.json')),
  ) ?? '.';

export type Cell = string | number | null | undefined;

export interface Table {
  columns: readonly string[];
  rows: readonly (readonly Cell[])[];
}

/** Numbers with a sensible number of decimals: 12345, 123.4, 1.23, 0.012. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return '–';
  if (Number.isInteger(value)) return String(value);
  const abs = Math.abs(value);
  const digits = abs >= 1000 ? 0 : abs >= 100 ? 1 : abs >= 1 ? 2 : 3;
  return value.toFixed(digits);
}

function cell(value: Cell): string {
  if (value === null || value === undefined) return '–';
  return typeof value === 'number' ? formatNumber(value) : value;
}

/** A GitHub-flavoured markdown table, numbers right-aligned. */
export function markdownTable(table: Table): string {
  const rows = table.rows.map((r) => r.map(cell));
  const numeric = table.columns.map((_, i) => table.rows.every((r) => typeof r[i] !== 'string'));
  const widths = table.columns.map((c, i) => Math.max(c.length, 3, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`;
  return [line(table.columns), rule, ...rows.map(line)].join('\n');
}

/** A file-name-safe timestamp; pass one to writeReport to name a run's other files (profiles) alike. */
export function resultStamp(at = new Date()): string {
  return at.toISOString().replace(/[:.]/g, '-');
}

export interface WrittenReport {
  json: string;
  markdown: string;
}

/**
 * Writes `bench/results/<name>-<stamp>.{json,md}` (gitignored) and returns their paths.
 * The JSON holds every figure; the markdown is what a pull request or an issue quotes.
 */
export function writeReport(name: string, data: unknown, markdown: string, stamp = resultStamp()): WrittenReport {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${name}-${stamp}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${markdown}\n`);
  return { json: `${base}.json`, markdown: `${base}.md` };
}

/** What a result depends on besides the code: the machine and the run's settings. */
export function environment(): Record<string, unknown> {
  return {
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg(),
    platform: `${platform()} ${release()}`,
  };
}
