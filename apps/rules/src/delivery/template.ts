import { getPath, toText, type Value } from '../sql/values';

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const FIELD_PATH = /^[^.\s]+(\.[^.\s]+)*$/;

/** A field of the SELECT result by path: `a.b`, with numeric steps indexing arrays (`list.0`). */
export function fieldOf(output: unknown, path: string): Value {
  const steps = path.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  return getPath(output as Value, steps);
}

export function isFieldPath(path: string): boolean {
  return FIELD_PATH.test(path);
}

/** The placeholders of a template (`/pk/${device}/get` → ["device"]), or a problem with one of them. */
export function templateFields(template: string): { fields: string[] } | { error: string } {
  const fields: string[] = [];
  for (const [, path] of template.matchAll(PLACEHOLDER)) {
    if (!isFieldPath(path)) return { error: `\${${path}} is not a field path` };
    fields.push(path);
  }
  const rest = template.replace(PLACEHOLDER, '');
  if (rest.includes('${')) return { error: 'a ${ is not closed' };
  return { fields };
}

/** Fills `${field}` placeholders from the SELECT result; a missing (null) field is an error. */
export function renderTemplate(template: string, output: unknown): string {
  if (!template.includes('${')) return template;
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const text = toText(fieldOf(output, path));
    if (text === null) throw new Error(`\${${path}} is not in the rule's output`);
    return text;
  });
}
