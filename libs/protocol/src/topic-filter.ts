// MQTT 3.1.1 topic-name and topic-filter rules (OASIS MQTT 3.1.1 §4.7), independent of our topics.

/**
 * Whether `topic` is a valid MQTT topic *name* (what a PUBLISH carries): non-empty, no `+` or `#`
 * wildcard, no U+0000. Empty levels (`a//b`, `/a`) are valid.
 */
export function isValidTopicName(topic: string): boolean {
  return topic !== '' && !topic.includes('\u0000') && !/[+#]/.test(topic);
}

/**
 * Whether `filter` is a valid MQTT topic *filter* (what a SUBSCRIBE carries): non-empty, no
 * U+0000, `+` only as a whole level, `#` only as the whole last level.
 */
export function isValidTopicFilter(filter: string): boolean {
  if (filter === '' || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, i) => {
    if (level === '#') return i === levels.length - 1;
    return level === '+' || !/[+#]/.test(level);
  });
}

const isWildcard = (level: string): boolean => level === '+' || level === '#';

/**
 * MQTT 3.1.1 matching of a topic name against a filter. `+` matches exactly one level (which may be
 * empty), `#` matches any number of trailing levels including none, so `a/#` also matches `a`.
 * A filter starting with a wildcard never matches a topic starting with `$` (e.g. `$SYS/…`).
 * Invalid names or filters match nothing.
 */
export function topicMatchesFilter(topic: string, filter: string): boolean {
  if (!isValidTopicName(topic) || !isValidTopicFilter(filter)) return false;
  const t = topic.split('/');
  const f = filter.split('/');
  if (topic.startsWith('$') && isWildcard(f[0])) return false;
  for (let i = 0; i < f.length; i++) {
    // Levels 0..i-1 matched, so the topic has at least i levels: `#` takes the rest, or none.
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return t.length === f.length;
}

/**
 * Whether every topic name that `inner` matches is also matched by `outer`, i.e. a subscription
 * to `inner` cannot receive anything `outer` does not allow. Examples: `/sys/pk/dn/rrpc/request/+`
 * is within `/sys/pk/dn/rrpc/#`; `/sys/pk/+/thing/#` is not within `/sys/pk/dn/thing/#`.
 * Invalid filters are within nothing.
 */
export function filterWithinFilter(inner: string, outer: string): boolean {
  if (!isValidTopicFilter(inner) || !isValidTopicFilter(outer)) return false;
  // `#` also matches its parent level, except when that parent would be the empty topic, which
  // is no topic: `#` matches exactly what `+/#` matches, and `/#` what `/+/#` matches.
  const a = (inner === '#' || inner === '/#' ? `${inner.slice(0, -1)}+/#` : inner).split('/');
  const b = outer.split('/');
  // Only a literal first level can reach `$…` topics, and an outer wildcard never matches them.
  if (a[0].startsWith('$') && isWildcard(b[0])) return false;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === '#') return true;
    // `inner` ended (it matches shorter topics than `outer`), or `#` lets it go shorter or deeper.
    if (i >= a.length || a[i] === '#') return false;
    if (b[i] !== '+' && a[i] !== b[i]) return false;
  }
  return a.length === b.length;
}
