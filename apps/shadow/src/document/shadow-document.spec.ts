import { describe, expect, it } from 'vitest';
import type { JsonObject } from './json';
import {
  applyChange,
  deltaOf,
  desiredChanged,
  emptyDocument,
  type ShadowDocument,
  type StateChange,
} from './shadow-document';

const T0 = 1469564492;
const T1 = 1469564576;
const doc = (
  state: ShadowDocument['state'],
  metadata: ShadowDocument['metadata'] = {},
  version = 1,
): ShadowDocument => ({ state, metadata, timestamp: T0, version });
const merge = (patch: JsonObject): { kind: 'merge'; patch: JsonObject } => ({ kind: 'merge', patch });

describe('applyChange: merge rules (protocol.md §2.1, §2.3)', () => {
  it.each<[string, ShadowDocument, StateChange, Pick<ShadowDocument, 'state' | 'metadata'>]>([
    [
      'first report into an empty shadow',
      emptyDocument(),
      { reported: merge({ color: 'red' }) },
      { state: { reported: { color: 'red' } }, metadata: { reported: { color: { timestamp: T1 } } } },
    ],
    [
      'attributes not mentioned are kept, mentioned ones overwritten',
      doc({ reported: { color: 'red', on: true } }, { reported: { color: { timestamp: T0 }, on: { timestamp: T0 } } }),
      { reported: merge({ color: 'green' }) },
      {
        state: { reported: { color: 'green', on: true } },
        metadata: { reported: { color: { timestamp: T1 }, on: { timestamp: T0 } } },
      },
    ],
    [
      'arrays are replaced whole',
      doc({ reported: { colors: ['RED', 'GREEN', 'BLUE'] } }, { reported: { colors: { timestamp: T0 } } }),
      { reported: merge({ colors: ['RED'] }) },
      { state: { reported: { colors: ['RED'] } }, metadata: { reported: { colors: { timestamp: T1 } } } },
    ],
    [
      'nested objects merge recursively with per-leaf metadata',
      doc(
        { desired: { light: { r: 1, g: 2 } } },
        { desired: { light: { r: { timestamp: T0 }, g: { timestamp: T0 } } } },
      ),
      { desired: merge({ light: { g: 9, b: { x: 1 } } }) },
      {
        state: { desired: { light: { r: 1, g: 9, b: { x: 1 } } } },
        metadata: { desired: { light: { r: { timestamp: T0 }, g: { timestamp: T1 }, b: { x: { timestamp: T1 } } } } },
      },
    ],
    [
      'a scalar replaced by an object, and an object by a scalar',
      doc({ reported: { a: 1, b: { c: 1 } } }, { reported: { a: { timestamp: T0 }, b: { c: { timestamp: T0 } } } }),
      { reported: merge({ a: { n: 1 }, b: 2 }) },
      {
        state: { reported: { a: { n: 1 }, b: 2 } },
        metadata: { reported: { a: { n: { timestamp: T1 } }, b: { timestamp: T1 } } },
      },
    ],
    [
      'null and "null" delete an attribute; deleting the last one removes the section',
      doc({ reported: { a: 1, b: 2 } }, { reported: { a: { timestamp: T0 }, b: { timestamp: T0 } } }),
      { reported: merge({ a: null, b: 'null' }) },
      { state: {}, metadata: {} },
    ],
    [
      'null deletes a nested leaf; an emptied object disappears',
      doc({ desired: { o: { x: 1 }, k: 1 } }, { desired: { o: { x: { timestamp: T0 } }, k: { timestamp: T0 } } }),
      { desired: merge({ o: { x: 'null' } }) },
      { state: { desired: { k: 1 } }, metadata: { desired: { k: { timestamp: T0 } } } },
    ],
    [
      'a new object written whole drops its null members',
      emptyDocument(),
      { reported: merge({ o: { a: 1, b: null } }) },
      { state: { reported: { o: { a: 1 } } }, metadata: { reported: { o: { a: { timestamp: T1 } } } } },
    ],
    [
      '"desired":"null" clears desired and its metadata',
      doc(
        { desired: { color: 'green' }, reported: { color: 'green' } },
        { desired: { color: { timestamp: T0 } }, reported: { color: { timestamp: T0 } } },
      ),
      { desired: { kind: 'clear' } },
      { state: { reported: { color: 'green' } }, metadata: { reported: { color: { timestamp: T0 } } } },
    ],
    [
      'delete-keys removes the listed attributes and ignores unknown ones',
      doc(
        { reported: { color: 'red', temperature: 20, on: true } },
        { reported: { color: { timestamp: T0 }, temperature: { timestamp: T0 }, on: { timestamp: T0 } } },
      ),
      { reported: { kind: 'delete-keys', keys: { color: 'null', temperature: 'null', ghost: 'null' } } },
      { state: { reported: { on: true } }, metadata: { reported: { on: { timestamp: T0 } } } },
    ],
    [
      'desired and reported in one request',
      emptyDocument(),
      { desired: merge({ t: 25 }), reported: merge({ t: 23.5 }) },
      {
        state: { desired: { t: 25 }, reported: { t: 23.5 } },
        metadata: { desired: { t: { timestamp: T1 } }, reported: { t: { timestamp: T1 } } },
      },
    ],
  ])('%s', (_, before, change, expected) => {
    const frozen = structuredClone(before);
    const after = applyChange(before, change, T1);
    expect({ state: after.state, metadata: after.metadata }).toEqual(expected);
    expect(after.timestamp).toBe(T1);
    expect(before).toEqual(frozen); // the input is not touched
  });
});

describe('deltaOf (AWS-style, desired values of differing keys)', () => {
  it.each<[string, ShadowDocument['state'], JsonObject | undefined]>([
    ['no desired', { reported: { a: 1 } }, undefined],
    ['in step', { desired: { a: 1 }, reported: { a: 1 } }, undefined],
    [
      'a differing key carries the desired value (AMBIG-9)',
      { desired: { temperature: 25 }, reported: { temperature: 23.5 } },
      { temperature: 25 },
    ],
    ['a key missing from reported', { desired: { a: 1, b: 2 }, reported: { a: 1 } }, { b: 2 }],
    [
      'nested: only the differing leaves',
      { desired: { l: { r: 1, g: 2 } }, reported: { l: { r: 1, g: 3 } } },
      { l: { g: 2 } },
    ],
    ['arrays compared whole', { desired: { s: [1, 2] }, reported: { s: [1, 2] } }, undefined],
    ['arrays that differ', { desired: { s: [1, 2] }, reported: { s: [2, 1] } }, { s: [1, 2] }],
  ])('%s', (_, state, delta) => {
    expect(deltaOf(state)).toEqual(delta);
  });
});

describe('desiredChanged (is a control due?)', () => {
  it.each<[string, ShadowDocument, StateChange, boolean]>([
    ['a new desired attribute', emptyDocument(), { desired: merge({ a: 1 }) }, true],
    [
      'the same desired value again',
      doc({ desired: { a: 1 } }, { desired: { a: { timestamp: T0 } } }),
      { desired: merge({ a: 1 }) },
      false,
    ],
    ['a reported update', emptyDocument(), { reported: merge({ a: 1 }) }, false],
    [
      'clearing desired',
      doc({ desired: { a: 1 } }, { desired: { a: { timestamp: T0 } } }),
      { desired: { kind: 'clear' } },
      false,
    ],
    [
      'deleting the only desired attribute through update',
      doc({ desired: { a: 1 } }, { desired: { a: { timestamp: T0 } } }),
      { desired: merge({ a: null }) },
      false,
    ],
  ])('%s → %s', (_, before, change, due) => {
    expect(desiredChanged(before, applyChange(before, change, T1), change)).toBe(due);
  });
});
