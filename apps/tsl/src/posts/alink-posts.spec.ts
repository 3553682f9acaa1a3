import { describe, expect, it } from 'vitest';
import type { ThingModel } from '../model/tsl-types';
import { checkEventPost, checkPropertyPost } from './alink-posts';

const model: ThingModel = {
  properties: [
    {
      identifier: 'Power',
      name: 'Power',
      accessMode: 'rw',
      required: false,
      dataType: { type: 'bool', specs: { '0': 'off', '1': 'on' } },
    },
    {
      identifier: 'WF',
      name: 'WF',
      accessMode: 'r',
      required: false,
      dataType: { type: 'double', specs: { min: 0, max: 100 } },
    },
  ],
  events: [
    {
      identifier: 'alarm',
      name: 'alarm',
      type: 'alert',
      required: false,
      method: 'thing.event.alarm.post',
      outputData: [{ identifier: 'errorCode', name: 'e', dataType: { type: 'text', specs: { length: 10 } } }],
    },
  ],
  services: [],
};
const NOW = 1_795_500_000_000;

describe('checkPropertyPost (protocol.md §4.2)', () => {
  it('accepts both shapes, keeps the device time, and drops unknown or invalid values with their reason', () => {
    const outcome = checkPropertyPost(
      model,
      { Power: { value: 1, time: 1524448722000 }, WF: 23.6, Ghost: 1, Bad: { value: 'x' }, Wrong: undefined, WF2: 1 },
      NOW,
    );
    expect(outcome.code).toBe(200);
    expect(outcome.accepted).toEqual({ Power: { value: 1, time: 1524448722000 }, WF: { value: 23.6, time: NOW } });
    expect(outcome.dropped.map((d) => [d.identifier, d.reason])).toEqual([
      ['Ghost', 'unknown identifier'],
      ['Bad', 'unknown identifier'],
      ['Wrong', 'unknown identifier'],
      ['WF2', 'unknown identifier'],
    ]);
  });

  it.each<[string, unknown, string]>([
    ['wrong type', { WF: 'hot' }, 'wrong type'],
    ['out of range', { WF: 101 }, 'out of range'],
    ['not an allowed value', { Power: 5 }, 'not an allowed value'],
  ])('drops a value of the %s and still answers 200', (_, params, reason) => {
    const outcome = checkPropertyPost(model, params, NOW);
    expect(outcome).toMatchObject({ code: 200, accepted: {}, dropped: [{ reason }] });
  });

  it('answers 200 even when every property is unknown', () => {
    expect(checkPropertyPost(model, { a: 1, b: 2 }, NOW)).toMatchObject({ code: 200, accepted: {} });
  });

  it('refuses params that are not an object (460) and more than 200 properties (6106); 200 are fine', () => {
    expect(checkPropertyPost(model, [1], NOW).code).toBe(460);
    const props = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`p${i}`, i]));
    expect(checkPropertyPost(model, props(201), NOW)).toMatchObject({
      code: 6106,
      message: 'map size must less than 200',
    });
    expect(checkPropertyPost(model, props(200), NOW).code).toBe(200);
  });
});

describe('checkEventPost (protocol.md §4.4)', () => {
  it.each<[string, unknown, number, unknown]>([
    [
      'long form',
      { value: { errorCode: 'E1' }, time: 1524448722000 },
      200,
      { identifier: 'alarm', type: 'alert', output: { errorCode: 'E1' }, time: 1524448722000 },
    ],
    [
      'short form',
      { errorCode: 'E2' },
      200,
      { identifier: 'alarm', type: 'alert', output: { errorCode: 'E2' }, time: NOW },
    ],
    ['an invalid output', { value: { errorCode: 'way too long text' } }, 460, undefined],
    ['an unknown output', { value: { other: 1 } }, 460, undefined],
  ])('%s → %i', (_, params, code, event) => {
    const outcome = checkEventPost(model, 'alarm', params, NOW);
    expect(outcome.code).toBe(code);
    expect(outcome.event).toEqual(event);
  });

  it('refuses an event the model does not define, with 460, and records it', () => {
    expect(checkEventPost(model, 'explosion', {}, NOW)).toMatchObject({
      code: 460,
      dropped: [{ identifier: 'explosion', reason: 'unknown event' }],
    });
  });
});
