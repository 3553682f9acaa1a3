import { describe, expect, it } from 'vitest';
import { parseProgress, parseVersionReport, type ProgressReport } from './ota-messages';

const json = (v: unknown) => Buffer.from(JSON.stringify(v));

describe('parseVersionReport', () => {
  it.each<[string, Buffer, string | undefined]>([
    ['the seed example', json({ id: 1, params: { version: '1.0.1' } }), '1.0.1'],
    ['a string id', json({ id: '1', params: { version: 'version2.0' } }), 'version2.0'],
    ['surrounding spaces', json({ id: 1, params: { version: ' 2.0 ' } }), '2.0'],
    ['no params', json({ id: 1 }), undefined],
    ['an empty version', json({ id: 1, params: { version: '' } }), undefined],
    ['a number', json({ id: 1, params: { version: 2 } }), undefined],
    ['too long', json({ id: 1, params: { version: 'v'.repeat(65) } }), undefined],
    ['not JSON', Buffer.from('version=1'), undefined],
    ['an array', json([1]), undefined],
  ])('%s', (_, payload, expected) => expect(parseVersionReport(payload)).toBe(expected));
});

describe('parseProgress', () => {
  it.each<[string, Buffer, ProgressReport | undefined]>([
    [
      'a string step',
      json({ id: 1, params: { step: '10', desc: '' } }),
      { step: 10, report: { kind: 'progress', percent: 10 } },
    ],
    [
      'a number step',
      json({ id: 1, params: { step: 100 } }),
      { step: 100, report: { kind: 'progress', percent: 100 } },
    ],
    ['step 0', json({ id: 1, params: { step: '0' } }), { step: 0, report: { kind: 'progress', percent: 0 } }],
    [
      'the seed example (−1)',
      json({
        id: 1,
        params: { step: '-1', desc: 'Firmware update has failed. No firmware information is available.' },
      }),
      {
        step: -1,
        report: { kind: 'error', code: -1, label: 'update failed' },
        desc: 'Firmware update has failed. No firmware information is available.',
      },
    ],
    [
      '−2',
      json({ id: 1, params: { step: -2 } }),
      { step: -2, report: { kind: 'error', code: -2, label: 'download failed' } },
    ],
    [
      '−3',
      json({ id: 1, params: { step: '-3' } }),
      { step: -3, report: { kind: 'error', code: -3, label: 'verification failed' } },
    ],
    [
      '−4',
      json({ id: 1, params: { step: '-4' } }),
      { step: -4, report: { kind: 'error', code: -4, label: 'installation failed' } },
    ],
    ['−5', json({ id: 1, params: { step: '-5' } }), undefined],
    ['101', json({ id: 1, params: { step: '101' } }), undefined],
    ['a fraction', json({ id: 1, params: { step: '10.5' } }), undefined],
    ['text', json({ id: 1, params: { step: 'ten' } }), undefined],
    ['no step', json({ id: 1, params: {} }), undefined],
    ['not JSON', Buffer.from('{'), undefined],
  ])('%s', (_, payload, expected) => expect(parseProgress(payload)).toEqual(expected));
});
