/**
 * Versions (protocol.md §2.4): a request's version must be strictly greater than the document's, and
 * becomes the document's; without one the version goes up by 1.
 *
 * Real SDKs send `Date.now()` as the version and may send several updates in one millisecond
 * (sdk-compat.md §2.5). A version that looks like epoch milliseconds (from 2001 on) is therefore read as a
 * clock: it is accepted when it is not older than the newest clock version accepted before, and the
 * document's version still rises by at least 1 on every write. An older clock is a stale write: 409.
 */
export const CLOCK_VERSION_MIN = 1_000_000_000_000;

export interface VersionState {
  version: number;
  /** The newest clock-style version accepted so far, if any. */
  clockVersion: number | null;
}

export function nextVersion(current: VersionState, requested: number | undefined): VersionState | 'conflict' {
  if (requested === undefined) return { version: current.version + 1, clockVersion: current.clockVersion };
  if (requested >= CLOCK_VERSION_MIN) {
    const fresh = requested > current.version || (current.clockVersion !== null && requested >= current.clockVersion);
    if (!fresh) return 'conflict';
    return {
      version: Math.max(requested, current.version + 1),
      clockVersion: Math.max(requested, current.clockVersion ?? 0),
    };
  }
  return requested > current.version ? { version: requested, clockVersion: current.clockVersion } : 'conflict';
}
