import type { ContactInput } from './contact.js';
import { DomainError } from './errors.js';

// One row of an import file (README.md "imports contacts from CSV/JSONL") as a contact's fields. CSV
// columns: name, phone, email, external_id, tags (separated by ";") and variables.<name>; a JSONL line
// is an object shaped like the body of POST /v1/contacts.

const TEXT_FIELDS = ['name', 'phone', 'email', 'external_id'] as const;
const CSV_COLUMN = /^(name|phone|email|external_id|tags|variables\.[A-Za-z0-9_][A-Za-z0-9_\-]*)$/;

/** The header's columns that are not contact fields; an import with any of them does not start. */
export function unknownColumns(header: string[]): string[] {
  return header.filter((column) => !CSV_COLUMN.test(column.trim()));
}

/** A CSV record (its cells, under the header's trimmed columns) as contact fields; empty cells are left out. */
export function contactFromCsv(columns: readonly string[], cells: readonly string[]): ContactInput {
  const input: ContactInput = {};
  let variables: Record<string, string> | undefined;
  for (let i = 0; i < cells.length; i++) {
    const column = columns[i];
    const value = cells[i].trim();
    if (value === '') continue;
    if (column === 'tags') input.tags = value.split(';');
    else if (column.startsWith('variables.')) (variables ??= {})[column.slice('variables.'.length)] = value;
    else input[column as (typeof TEXT_FIELDS)[number]] = value;
  }
  if (variables) input.variables = variables;
  return input;
}

/** A parsed JSONL line as contact fields, refusing what POST /v1/contacts would refuse. */
export function contactFromJson(value: unknown): ContactInput {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new DomainError('invalid_request', 'a line must be a JSON object of contact fields');
  const input: ContactInput = {};
  for (const [key, field] of Object.entries(value)) {
    if ((TEXT_FIELDS as readonly string[]).includes(key)) {
      if (field !== null && typeof field !== 'string') throw new DomainError('invalid_request', `${key} must be text, not ${JSON.stringify(field)}`);
      input[key as (typeof TEXT_FIELDS)[number]] = field;
    } else if (key === 'variables') {
      if (typeof field !== 'object' || field === null || Array.isArray(field)) throw new DomainError('invalid_request', 'variables must be an object');
      input.variables = field as Record<string, unknown>;
    } else if (key === 'tags') {
      if (!Array.isArray(field) || field.some((t) => typeof t !== 'string')) throw new DomainError('invalid_request', 'tags must be a list of text');
      input.tags = field;
    } else {
      throw new DomainError('invalid_request', `"${key}" is not a contact field; use name, phone, email, external_id, variables, tags`);
    }
  }
  return input;
}
