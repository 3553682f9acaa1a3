import { describe, expect, it } from 'vitest';
import { parseThingModel } from './tsl-document';

// The seed's air conditioner (protocol.md §4.1), spec values as strings.
const seed = {
  properties: [
    {
      identifier: 'fan_int_property',
      name: 'Fan',
      accessMode: 'rw',
      required: true,
      dataType: { type: 'int', specs: { min: '0', max: '100', step: '1', unit: 'g/ml', unitName: 'Millilitre' } },
    },
  ],
  events: [
    {
      identifier: 'alarm',
      name: 'alarm',
      desc: 'Fan alert',
      type: 'alert',
      required: true,
      outputData: [
        { identifier: 'errorCode', name: 'Error code', dataType: { type: 'text', specs: { length: '255' } } },
      ],
      method: 'thing.event.alarm.post',
    },
  ],
  services: [
    {
      identifier: 'SetWeight',
      name: 'SetWeight',
      required: false,
      callType: 'async',
      inputData: [
        {
          identifier: 'NewWeight',
          name: 'NewWeight',
          dataType: { type: 'double', specs: { min: '0', max: '200', step: '1', unit: 'kg' } },
        },
      ],
      outputData: [
        { identifier: 'OldWeight', dataType: { type: 'double', specs: {} } },
        { identifier: 'CollectTime', dataType: { type: 'text', specs: { length: '2048' } } },
      ],
      method: 'thing.service.SetWeight',
    },
  ],
};

describe('parseThingModel', () => {
  it('accepts the seed document and normalizes spec numbers', () => {
    const result = parseThingModel(seed);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.model.properties[0]).toEqual({
      identifier: 'fan_int_property',
      name: 'Fan',
      accessMode: 'rw',
      required: true,
      dataType: { type: 'int', specs: { min: 0, max: 100, step: 1, unit: 'g/ml', unitName: 'Millilitre' } },
    });
    expect(result.model.services[0]).toMatchObject({ callType: 'async', method: 'thing.service.SetWeight' });
    expect(result.model.events[0]).toMatchObject({ type: 'alert', method: 'thing.event.alarm.post' });
  });

  it.each<[string, unknown, string]>([
    ['not an object', [], ''],
    ['properties not an array', { properties: {} }, 'properties'],
    ['bad identifier', { properties: [{ identifier: '1x', dataType: { type: 'int' } }] }, 'properties[0].identifier'],
    [
      'unknown type',
      { properties: [{ identifier: 'a', dataType: { type: 'complex' } }] },
      'properties[0].dataType.type',
    ],
    [
      'min above max',
      { properties: [{ identifier: 'a', dataType: { type: 'int', specs: { min: 5, max: 1 } } }] },
      'properties[0].dataType.specs.min',
    ],
    [
      'int with a fractional step',
      { properties: [{ identifier: 'a', dataType: { type: 'int', specs: { step: 0.5 } } }] },
      'properties[0].dataType.specs.step',
    ],
    [
      'non-positive step',
      { properties: [{ identifier: 'a', dataType: { type: 'double', specs: { step: 0 } } }] },
      'properties[0].dataType.specs.step',
    ],
    [
      'text length 0',
      { properties: [{ identifier: 'a', dataType: { type: 'text', specs: { length: 0 } } }] },
      'properties[0].dataType.specs.length',
    ],
    [
      'bool without both labels',
      { properties: [{ identifier: 'a', dataType: { type: 'bool', specs: { 0: 'off' } } }] },
      'properties[0].dataType.specs',
    ],
    [
      'enum with a non-integer key',
      { properties: [{ identifier: 'a', dataType: { type: 'enum', specs: { x: 'y' } } }] },
      'properties[0].dataType.specs',
    ],
    [
      'array of bools',
      { properties: [{ identifier: 'a', dataType: { type: 'array', specs: { size: 2, item: { type: 'bool' } } } }] },
      'properties[0].dataType.specs.item.type',
    ],
    [
      'array size 0',
      { properties: [{ identifier: 'a', dataType: { type: 'array', specs: { size: 0, item: { type: 'int' } } } }] },
      'properties[0].dataType.specs.size',
    ],
    [
      'bad struct member',
      {
        properties: [
          { identifier: 'a', dataType: { type: 'struct', specs: [{ identifier: 'm', dataType: { type: '?' } }] } },
        ],
      },
      'properties[0].dataType.specs[0].dataType.type',
    ],
    [
      'duplicate property',
      {
        properties: [
          { identifier: 'a', dataType: { type: 'int' } },
          { identifier: 'a', dataType: { type: 'int' } },
        ],
      },
      'properties[1].identifier',
    ],
    [
      'bad access mode',
      { properties: [{ identifier: 'a', accessMode: 'w', dataType: { type: 'int' } }] },
      'properties[0].accessMode',
    ],
    ['event type', { events: [{ identifier: 'e', type: 'panic' }] }, 'events[0].type'],
    ['reserved event', { events: [{ identifier: 'post' }] }, 'events[0].identifier'],
    ['service call type', { services: [{ identifier: 's', callType: 'later' }] }, 'services[0].callType'],
    ['reserved service', { services: [{ identifier: 'set' }] }, 'services[0].identifier'],
  ])('refuses %s, naming %j', (_, input, path) => {
    const result = parseThingModel(input);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues.map((i) => i.path)).toContain(path);
  });
});
