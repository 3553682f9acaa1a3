/** What to send for a `Range` request header (RFC 9110 §14), for a file of `size` bytes. */
export type RangeDecision =
  { kind: 'full' } | { kind: 'partial'; start: number; end: number } | { kind: 'unsatisfiable' };

const SPEC = /^(\d*)-(\d*)$/;

/**
 * One byte range: `bytes=a-b`, `bytes=a-` or `bytes=-n` (the last n bytes). A header that is absent, not
 * about bytes, malformed, or asks for several ranges is ignored (the whole file, as the RFC allows); a range
 * starting past the end is unsatisfiable (416).
 */
export function parseRange(header: string | undefined, size: number): RangeDecision {
  if (!header) return { kind: 'full' };
  const match = /^\s*bytes\s*=\s*(.+)$/i.exec(header);
  if (!match) return { kind: 'full' };
  const specs = match[1].split(',').map((s) => s.trim());
  if (specs.length !== 1) return { kind: 'full' };
  const parts = SPEC.exec(specs[0]);
  if (!parts || (parts[1] === '' && parts[2] === '')) return { kind: 'full' };
  if (parts[1] === '') {
    const suffix = Number(parts[2]);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(parts[1]);
  const end = parts[2] === '' ? Infinity : Number(parts[2]);
  if (end < start) return { kind: 'full' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', start, end: Math.min(end, size - 1) };
}
