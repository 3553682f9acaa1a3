import { deepEqual, isNullMarker, isObject, type Json, type JsonObject } from './json';

/** A leaf's metadata: when it was last written (epoch seconds, protocol.md §2.1, AMBIG-8). */
export interface LeafMeta {
  timestamp: number;
}
/** Metadata mirrors the attribute tree: a leaf entry per leaf, nested objects nested (protocol.md §2.1 [DECISION]). */
export interface MetaTree {
  [key: string]: LeafMeta | MetaTree;
}

export type Section = 'desired' | 'reported';
export const SECTIONS: readonly Section[] = ['desired', 'reported'];

export interface ShadowDocument {
  state: { desired?: JsonObject; reported?: JsonObject };
  metadata: { desired?: MetaTree; reported?: MetaTree };
  /** Epoch seconds of the last change. */
  timestamp: number;
  version: number;
}

export const emptyDocument = (): ShadowDocument => ({ state: {}, metadata: {}, timestamp: 0, version: 0 });

/** What a request writes into one section: attributes to merge, attributes to delete, or the whole section gone. */
export type SectionChange =
  { kind: 'merge'; patch: JsonObject } | { kind: 'delete-keys'; keys: JsonObject } | { kind: 'clear' };

export type StateChange = Partial<Record<Section, SectionChange>>;

/**
 * Applies a change to a document, returning a new one (the input is not touched). Merge rules
 * (protocol.md §2.1, §2.3): attribute-level, nested objects merged recursively, arrays replaced whole,
 * `null`/`"null"` deletes, and every written leaf gets the timestamp `now`. Empty sections are omitted.
 */
export function applyChange(doc: ShadowDocument, change: StateChange, now: number): ShadowDocument {
  const state = { ...doc.state };
  const metadata = { ...doc.metadata };
  for (const section of SECTIONS) {
    const c = change[section];
    if (!c) continue;
    if (c.kind === 'clear') {
      delete state[section];
      delete metadata[section];
      continue;
    }
    const values = structuredClone(state[section] ?? {});
    const meta = structuredClone(metadata[section] ?? {});
    if (c.kind === 'merge') mergeInto(values, meta, c.patch, now);
    else deleteFrom(values, meta, c.keys);
    if (Object.keys(values).length > 0) {
      state[section] = values;
      metadata[section] = meta;
    } else {
      delete state[section];
      delete metadata[section];
    }
  }
  return { state, metadata, timestamp: now, version: doc.version };
}

function mergeInto(target: JsonObject, meta: MetaTree, patch: JsonObject, now: number): void {
  for (const [key, value] of Object.entries(patch)) {
    if (isNullMarker(value)) {
      delete target[key];
      delete meta[key];
    } else if (isObject(value) && isObject(target[key]) && Object.keys(value).length > 0) {
      const childMeta = isLeafMeta(meta[key]) || meta[key] === undefined ? {} : meta[key];
      mergeInto(target[key], childMeta, value, now);
      if (Object.keys(target[key]).length === 0) {
        delete target[key];
        delete meta[key];
      } else meta[key] = childMeta;
    } else {
      const written = withoutNulls(value);
      target[key] = written;
      meta[key] = metaFor(written, now);
    }
  }
}

function deleteFrom(target: JsonObject, meta: MetaTree, keys: JsonObject): void {
  for (const [key, value] of Object.entries(keys)) {
    // `{"a": {"b": "null"}}` deletes a.b only; any other value names the attribute itself.
    if (isObject(value) && isObject(target[key]) && !isLeafMeta(meta[key])) {
      deleteFrom(target[key], meta[key] ?? {}, value);
      if (Object.keys(target[key]).length === 0) {
        delete target[key];
        delete meta[key];
      }
    } else {
      delete target[key];
      delete meta[key];
    }
  }
}

/** A fresh object written whole keeps no `null` members: null means "absent" in a shadow. */
function withoutNulls(value: Json): Json {
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) if (!isNullMarker(v)) out[k] = withoutNulls(v);
  return out;
}

function metaFor(value: Json, now: number): LeafMeta | MetaTree {
  if (isObject(value) && Object.keys(value).length > 0) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, metaFor(v, now)]));
  }
  return { timestamp: now };
}

function isLeafMeta(meta: LeafMeta | MetaTree | undefined): meta is LeafMeta {
  return meta !== undefined && typeof (meta as LeafMeta).timestamp === 'number' && Object.keys(meta).length === 1;
}

/**
 * `state.delta` (AWS-style, protocol.md §2.1, AMBIG-9): every desired attribute whose value differs from
 * reported, with the desired value; nested objects compared leaf by leaf. Undefined when in step.
 */
export function deltaOf(state: ShadowDocument['state']): JsonObject | undefined {
  if (!state.desired) return undefined;
  const delta = diff(state.desired, state.reported ?? {});
  return Object.keys(delta).length > 0 ? delta : undefined;
}

function diff(desired: JsonObject, reported: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(desired)) {
    const actual = reported[key];
    if (isObject(value) && isObject(actual)) {
      const nested = diff(value, actual);
      if (Object.keys(nested).length > 0) out[key] = nested;
    } else if (!deepEqual(value, actual)) out[key] = value;
  }
  return out;
}

/** Whether a change writes a desired attribute that is new or different: a `control` is due (protocol.md §2.3). */
export function desiredChanged(before: ShadowDocument, after: ShadowDocument, change: StateChange): boolean {
  return (
    change.desired?.kind === 'merge' &&
    !deepEqual(before.state.desired ?? {}, after.state.desired ?? {}) &&
    after.state.desired !== undefined
  );
}

/** The document as devices and applications see it, `delta` included when desired and reported differ. */
export function documentView(doc: ShadowDocument): ShadowDocument & { state: { delta?: JsonObject } } {
  const delta = deltaOf(doc.state);
  return { ...doc, state: { ...doc.state, ...(delta ? { delta } : {}) } };
}

export function attributeCount(section: JsonObject | undefined): number {
  return section ? Object.keys(section).length : 0;
}
