import { applyChange, attributeCount, desiredChanged, emptyDocument, type ShadowDocument } from './shadow-document';
import { SHADOW_ERRORS, SHADOW_LIMITS, type ShadowError } from './shadow-errors';
import type { WriteRequest } from './shadow-request';
import { nextVersion } from './shadow-version';

export interface StoredShadow {
  document: ShadowDocument;
  clockVersion: number | null;
}

export type WritePlan = { ok: true; next: StoredShadow; controlDue: boolean } | { ok: false; error: ShadowError };

/**
 * The outcome of a write against the stored shadow: the checks that need it (408 after the merge, 409,
 * document size) and the new document. Pure: the caller stores `next` only if the row is still the one read.
 */
export function planWrite(stored: StoredShadow, request: WriteRequest, now: number): WritePlan {
  const before = stored.document;
  const after =
    'document' in request ? { ...emptyDocument(), timestamp: now } : applyChange(before, request.change, now);
  if (
    attributeCount(after.state.reported) > SHADOW_LIMITS.attributes ||
    attributeCount(after.state.desired) > SHADOW_LIMITS.attributes
  ) {
    return { ok: false, error: SHADOW_ERRORS.tooManyAttributes };
  }
  const version = nextVersion({ version: before.version, clockVersion: stored.clockVersion }, request.version);
  if (version === 'conflict') return { ok: false, error: SHADOW_ERRORS.versionConflict };
  if (Buffer.byteLength(JSON.stringify(after.state)) > SHADOW_LIMITS.documentBytes) {
    return { ok: false, error: SHADOW_ERRORS.tooLarge };
  }
  return {
    ok: true,
    next: { document: { ...after, version: version.version }, clockVersion: version.clockVersion },
    controlDue: !('document' in request) && desiredChanged(before, after, request.change),
  };
}
