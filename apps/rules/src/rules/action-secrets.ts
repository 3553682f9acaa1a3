import type { RuleAction } from '@iot/contracts';

/**
 * Credentials in rule actions are write-only: every value of an HTTP action's `headers`, and the password of
 * a URL (`https://user:pass@…`, `postgresql://user:pass@…`, `?password=` of a Postgres URL) are replaced by
 * {@link REDACTED} in everything the platform shows (rule views, dead letters). An update may send a
 * redacted value back unchanged: the stored secret of the same action (same type, same URL) is kept.
 */
export const REDACTED = '******';

export function redactAction(action: RuleAction): RuleAction;
export function redactAction(action: RuleAction | null): RuleAction | null;
export function redactAction(action: RuleAction | null): RuleAction | null {
  if (!action) return null;
  switch (action.type) {
    case 'http':
      return {
        ...action,
        url: redactUrl(action.url),
        ...(action.headers
          ? { headers: Object.fromEntries(Object.keys(action.headers).map((name) => [name, REDACTED])) }
          : {}),
      };
    case 'postgres':
      return action.databaseUrl ? { ...action, databaseUrl: redactUrl(action.databaseUrl) } : action;
    default:
      return action;
  }
}

/** The URL with its password (userinfo, or a `password` query parameter) replaced; other URLs as they are. */
export function redactUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  let changed = false;
  if (parsed.password) {
    parsed.password = REDACTED;
    changed = true;
  }
  if (parsed.searchParams.has('password')) {
    parsed.searchParams.set('password', REDACTED);
    changed = true;
  }
  return changed ? parsed.toString() : url;
}

export type Restored = { ok: true; action: RuleAction } | { ok: false; problem: string };

/**
 * Puts back the secrets a client sent as {@link REDACTED}, from the stored action with the same type and the
 * same (redacted) URL. A redacted value with nothing to take it from is a problem: the client must send it.
 */
export function restoreSecrets(action: RuleAction, stored: readonly RuleAction[]): Restored {
  if (action.type === 'http') {
    const redactedHeaders = Object.entries(action.headers ?? {}).filter(([, v]) => v === REDACTED);
    if (!isRedacted(action.url) && redactedHeaders.length === 0) return { ok: true, action };
    const previous = stored.find(
      (s): s is Extract<RuleAction, { type: 'http' }> =>
        s.type === 'http' && redactUrl(s.url) === redactUrl(action.url),
    );
    if (!previous) return missing(`the http action to ${redactUrl(action.url)}`);
    const headers = { ...action.headers };
    for (const [name] of redactedHeaders) {
      const value = previous.headers?.[name];
      if (value === undefined) return missing(`header ${name}`);
      headers[name] = value;
    }
    return {
      ok: true,
      action: {
        ...action,
        url: isRedacted(action.url) ? previous.url : action.url,
        ...(action.headers ? { headers } : {}),
      },
    };
  }
  if (action.type === 'postgres' && action.databaseUrl && isRedacted(action.databaseUrl)) {
    const { databaseUrl } = action;
    const previous = stored.find(
      (s): s is Extract<RuleAction, { type: 'postgres' }> =>
        s.type === 'postgres' && s.databaseUrl !== undefined && redactUrl(s.databaseUrl) === databaseUrl,
    );
    if (!previous?.databaseUrl) return missing(`the password of ${databaseUrl}`);
    return { ok: true, action: { ...action, databaseUrl: previous.databaseUrl } };
  }
  return { ok: true, action };
}

function isRedacted(url: string): boolean {
  return url.includes(REDACTED);
}

function missing(what: string): Restored {
  return {
    ok: false,
    problem: `${what} is redacted (${REDACTED}) and the rule has no stored value for it: send the value`,
  };
}
