import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { parse } from 'csv-parse';
import { contactFromCsv, contactFromJson, unknownColumns } from '../domain/contact-record.js';
import { DomainError } from '../domain/errors.js';
import type { ImportRow } from '../usecases/import-contacts.js';

// Reads an import file row by row, streaming (a million rows never sit in memory at once). CSV goes
// through csv-parse, which handles quoting, embedded newlines and BOMs; JSONL is one object a line.

export interface ContactFile {
  bytes: number;
  /** bytes read so far, for a progress bar */
  bytesRead: () => number;
  rows: AsyncIterable<ImportRow>;
}

export function openContactFile(path: string): ContactFile {
  const format = path.toLowerCase().endsWith('.jsonl') || path.toLowerCase().endsWith('.ndjson') ? 'jsonl' : path.toLowerCase().endsWith('.csv') ? 'csv' : null;
  if (!format) throw new Error(`${path}: name the file .csv or .jsonl so its format is known`);
  const bytes = statSync(path).size;
  const stream = createReadStream(path);
  return { bytes, bytesRead: () => stream.bytesRead, rows: format === 'csv' ? csvRows(stream) : jsonlRows(stream) };
}

async function* csvRows(stream: NodeJS.ReadableStream): AsyncIterable<ImportRow> {
  const parser = stream.pipe(
    parse({
      bom: true,
      columns: (header: string[]) => {
        const unknown = unknownColumns(header);
        if (unknown.length > 0) {
          throw new Error(`unknown column(s) ${unknown.join(', ')}; use name, phone, email, external_id, tags (separated by ;) and variables.<name>`);
        }
        return header.map((h) => h.trim());
      },
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      skip_records_with_error: false,
    }),
  );
  for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number; invalid_field_length: number } }>) {
    yield { line: info.lines, input: contactFromCsv(record) };
  }
}

async function* jsonlRows(stream: NodeJS.ReadableStream): AsyncIterable<ImportRow> {
  let line = 0;
  for await (const text of createInterface({ input: stream, crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    try {
      yield { line, input: contactFromJson(JSON.parse(text)) };
    } catch (err) {
      if (!(err instanceof DomainError) && !(err instanceof SyntaxError)) throw err;
      yield { line, error: err instanceof SyntaxError ? `not JSON: ${err.message}` : (err as Error).message };
    }
  }
}
