import { describe, expect, it } from 'vitest';
import { fieldOf, renderTemplate, templateFields } from './template';

const output = { device: 'dev1', t: 39.5, nested: { pk: 'a1' }, list: ['x', 'y'], none: null, on: true };

describe('delivery templates', () => {
  it.each([
    ['/a1/${device}/user/get', '/a1/dev1/user/get'],
    ['/${nested.pk}/${device}/user/get', '/a1/dev1/user/get'],
    ['alerts.${device}.${t}', 'alerts.dev1.39.5'],
    ['x.${list.1}', 'x.y'],
    ['flag-${on}', 'flag-true'],
    ['/static/topic', '/static/topic'],
  ])('%s → %s', (template, rendered) => {
    expect(renderTemplate(template, output)).toBe(rendered);
  });

  it.each(['/a/${missing}', '/a/${none}', '/a/${nested.pk.deeper}'])('%s fails: the field is not there', (t) => {
    expect(() => renderTemplate(t, output)).toThrow("is not in the rule's output");
  });

  it.each<[string, unknown]>([
    ['/a/${device}/${nested.pk}', { fields: ['device', 'nested.pk'] }],
    ['/a/b', { fields: [] }],
    ['/a/${}', { error: '${} is not a field path' }],
    ['/a/${a b}', { error: '${a b} is not a field path' }],
    ['/a/${a..b}', { error: '${a..b} is not a field path' }],
    ['/a/${open', { error: 'a ${ is not closed' }],
  ])('fields of %s', (template, expected) => {
    expect(templateFields(template)).toEqual(expected);
  });

  it.each<[string, unknown]>([
    ['device', 'dev1'],
    ['nested.pk', 'a1'],
    ['nested', { pk: 'a1' }],
    ['list.0', 'x'],
    ['list.5', null],
    ['missing.x', null],
  ])('fieldOf %s', (path, expected) => {
    expect(fieldOf(output, path)).toEqual(expected);
  });
});
