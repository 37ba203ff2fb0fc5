import { newContactFields, normalizeContactInput, type ContactInput } from '../domain/contact.js';
import { DomainError } from '../domain/errors.js';

// A worker thread of the bulk import (run by piscina): normalizes a batch of rows while the main thread
// reads the next ones from the file and writes the previous batch. Phones through libphonenumber are
// most of an import's own CPU; here they run beside the reading and the database.

export interface RowsToNormalize {
  region: string | null;
  /** in file order, each with the id its contact will have (given by the reader, so ids follow the file) */
  rows: Array<{ line: number; id: string; input: ContactInput }>;
}

export interface NormalizedRows {
  /** the accepted contacts, as the JSON array `jsonb_to_recordset` reads (one string: cheap to hand back) */
  contacts: string;
  /** the line of each accepted contact, in the same order */
  lines: number[];
  tags: Array<{ id: string; tag: string }>;
  refused: Array<{ line: number; reason: string }>;
}

export default function normalizeContacts({ region, rows }: RowsToNormalize): NormalizedRows {
  const contacts: object[] = [];
  const result: NormalizedRows = { contacts: '', lines: [], tags: [], refused: [] };
  for (const { line, id, input } of rows) {
    try {
      const fields = normalizeContactInput(input, region);
      contacts.push({ id, ...newContactFields(fields) });
      result.lines.push(line);
      for (const tag of fields.tags ?? []) result.tags.push({ id, tag });
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      result.refused.push({ line, reason: err.message });
    }
  }
  result.contacts = JSON.stringify(contacts);
  return result;
}
