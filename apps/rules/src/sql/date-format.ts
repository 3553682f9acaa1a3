/**
 * `timestamp(format)`: Java SimpleDateFormat patterns, as the rules of Alibaba Cloud IoT take them
 * (`'yyyy-MM-dd\'T\'HH:mm:ss\'Z\''`), always in UTC. Letters: y M d H h m s S a E Z X; text between
 * single quotes is literal and `''` is a quote. Any other letter makes the pattern invalid.
 */
export type DateFormatter = (epochMs: number) => string;

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

const FIELDS: Record<string, (d: Date, width: number) => string> = {
  y: (d, w) => (w === 2 ? pad(d.getUTCFullYear() % 100, 2) : pad(d.getUTCFullYear(), w)),
  M: (d, w) => {
    const month = d.getUTCMonth();
    if (w >= 4) return MONTHS[month];
    if (w === 3) return MONTHS[month].slice(0, 3);
    return pad(month + 1, w);
  },
  d: (d, w) => pad(d.getUTCDate(), w),
  H: (d, w) => pad(d.getUTCHours(), w),
  h: (d, w) => pad(d.getUTCHours() % 12 || 12, w),
  m: (d, w) => pad(d.getUTCMinutes(), w),
  s: (d, w) => pad(d.getUTCSeconds(), w),
  S: (d, w) => pad(d.getUTCMilliseconds(), w),
  a: (d) => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
  E: (d, w) => (w >= 4 ? DAYS[d.getUTCDay()] : DAYS[d.getUTCDay()].slice(0, 3)),
  Z: () => '+0000',
  X: () => 'Z',
};

/** Compiles a pattern once; undefined when it is not a valid pattern. */
export function compileDateFormat(pattern: string): DateFormatter | undefined {
  const parts: ((d: Date) => string)[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      if (pattern[i + 1] === "'") {
        parts.push(() => "'");
        i += 2;
        continue;
      }
      const end = pattern.indexOf("'", i + 1);
      if (end < 0) return undefined;
      // Inside quotes, '' is a quote too.
      let literal = pattern.slice(i + 1, end);
      let next = end + 1;
      while (pattern[next] === "'") {
        const close = pattern.indexOf("'", next + 1);
        if (close < 0) return undefined;
        literal += `'${pattern.slice(next + 1, close)}`;
        next = close + 1;
      }
      parts.push(() => literal);
      i = next;
      continue;
    }
    if (/[A-Za-z]/.test(c)) {
      const field = FIELDS[c];
      if (!field) return undefined;
      let width = 1;
      while (pattern[i + width] === c) width++;
      parts.push((d) => field(d, width));
      i += width;
      continue;
    }
    let j = i;
    while (j < pattern.length && pattern[j] !== "'" && !/[A-Za-z]/.test(pattern[j])) j++;
    const literal = pattern.slice(i, j);
    parts.push(() => literal);
    i = j;
  }
  return (epochMs) => {
    const date = new Date(epochMs);
    return parts.map((p) => p(date)).join('');
  };
}
