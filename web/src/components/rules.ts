// Merge rules in plain words (docs/rules.md): the fields of one rule are AND-ed, the rules are OR-ed.

const FIELD_WORDS: Record<string, string> = { phone: 'phone', email: 'e-mail', external_id: 'external id' };

export function fieldWords(field: string): string {
  if (field.startsWith('variables.')) return `variable “${field.slice('variables.'.length)}”`;
  return FIELD_WORDS[field] ?? field;
}

export function describeRule(fields: string[]): string {
  return `same ${fields.map(fieldWords).join(' and same ')}`;
}
