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

export type ContactFileFormat = 'csv' | 'jsonl';

/** The rows of a file already open as a stream (an upload, say), read the same way as from a path. */
export function readContactRows(stream: NodeJS.ReadableStream, format: ContactFileFormat): AsyncIterable<ImportRow> {
  return format === 'csv' ? csvRows(stream) : jsonlRows(stream);
}

async function* csvRows(stream: NodeJS.ReadableStream): AsyncIterable<ImportRow> {
  // Records come as arrays (a third faster than objects). A malformed record (an unclosed quote, say) is
  // skipped by the parser and refused here with the lines it took, and the import goes on. The parser
  // runs ahead of this loop: `ended` follows it, and refusals wait in `skipped` for their turn.
  const skipped: Array<{ from: number; to: number; message: string }> = [];
  let ended = 0;
  const parser = stream.pipe(
    parse({
      bom: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      // a quote inside a cell (`"+1415"x`) is kept as text, and the row refused for its value: without
      // this, the parser stays inside the quote and reads the rest of the file as one broken record
      relax_quotes: true,
      skip_records_with_error: true,
      on_record: (entry, context) => {
        // the parser gives up on a bad record before its end: the lines up to this record's first are its too
        const { record } = entry as unknown as { record: string[] }; // with `info`, records come with theirs
        const first = firstLine(record, context.lines);
        const last = skipped.at(-1);
        if (last && last.to === ended && last.to < first - 1) last.to = first - 1;
        ended = context.lines;
        return entry;
      },
      on_skip: (err) => {
        if (!err) return undefined;
        const from = ended + 1;
        ended = Math.max(from, Number(err.lines));
        skipped.push({ from, to: ended, message: err.message });
        return undefined;
      },
    }),
  );
  const refusal = ({ from, to, message }: (typeof skipped)[number]): ImportRow => ({
    line: from,
    error: `${from === to ? `line ${from} is` : `lines ${from}-${to} are`} not a CSV record: ${message}`,
  });
  let columns: string[] | null = null;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    while (skipped.length > 0 && skipped[0].from < info.lines) yield refusal(skipped.shift()!);
    if (columns === null) {
      columns = record.map((h) => h.trim());
      const unknown = unknownColumns(columns);
      if (unknown.length > 0) {
        throw new Error(`unknown column(s) ${unknown.join(', ')}; use name, phone, email, external_id, tags (separated by ;) and variables.<name>`);
      }
      continue;
    }
    const line = firstLine(record, info.lines);
    yield record.length > columns.length
      ? { line, error: `${record.length} cells where the header has ${columns.length} columns` }
      : { line, input: contactFromCsv(columns, record) };
  }
  yield* skipped.map(refusal);
}

/** The line a record starts on, from the line it ends on and the line breaks inside its cells. */
function firstLine(record: string[], lastLine: number): number {
  return lastLine - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
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
