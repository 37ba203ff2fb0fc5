import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import type { ContactInput } from '../domain/contact.js';
import { newId } from '../ids.js';
import type { Store } from '../store/database.js';
import { insertContactBatch } from '../store/contacts.js';
import { selectSettings } from '../store/projects.js';
import type { NormalizedRows, RowsToNormalize } from '../workers/normalize-contacts.js';
import { dedupeContacts, type DedupeReport } from './dedupe-contacts.js';

// README.md: bulk import. Rows are normalized in worker threads and written in set-based batches (one
// statement per table per batch); a row that cannot be read is refused with its line and reason and
// never stops the import. Then the rules run over the whole base at once (bulk dedupe).

/** A row as read from a file: its line, and its fields or why it could not be read. */
export type ImportRow = { line: number; input: ContactInput } | { line: number; error: string };

export interface ImportSummary {
  created: number;
  /** rows whose contact an earlier run of the same file already wrote */
  already_imported: number;
  merged: number;
  suggested: number;
  refused: Array<{ line: number; reason: string }>;
  dedupe: DedupeReport;
}

export interface ImportProgress {
  /** rows read so far, and contacts written */
  rows: (read: number, created: number) => void;
  /** every row is read and written; the dedupe starts */
  loaded: (created: number) => void;
  /** clusters of duplicates merged so far, of all found */
  dedupe: (done: number, total: number) => void;
}

export interface ImportOptions {
  /** the id of the contact of the row on this line; a row whose id exists is not written again (a resumed import) */
  contactId?: (line: number) => string;
  /** false: only load the rows; the caller offers the dedupe (a dry run first) on its own */
  dedupe?: boolean;
}

const BATCH = 5000;
/** batches handed to the normalizing threads before the reader waits for the oldest */
const AHEAD = 3;

export async function importContacts(
  store: Store,
  projectId: string,
  rows: AsyncIterable<ImportRow>,
  progress?: Partial<ImportProgress>,
  { contactId = () => newId(), dedupe: runDedupe = true }: ImportOptions = {},
): Promise<ImportSummary> {
  const settings = await selectSettings(store.db, projectId);
  const summary = { created: 0, already_imported: 0, refused: [] as ImportSummary['refused'] };
  let read = 0;

  // Three stages at once: this thread reads rows, up to two worker threads normalize batches of them,
  // and the database writes earlier batches: on PostgreSQL two at once, each on its own connection (one
  // backend per core), so writing is not held to one core while the threads normalize; PGlite runs one
  // statement at a time anyway. Contact ids follow the file whichever batch commits first.
  const pool = new Piscina<RowsToNormalize, NormalizedRows>({ filename: WORKER.href, maxThreads: 2, idleTimeout: 1000, execArgv: WORKER_EXEC_ARGV });
  const writers = store.kind === 'postgres' ? 2 : 1;
  const normalizing: Array<Promise<NormalizedRows>> = [];
  const writing = new Set<Promise<void>>();
  const writeOldest = async () => {
    const normalized = await normalizing.shift()!;
    summary.refused.push(...normalized.refused);
    while (writing.size >= writers) await Promise.race(writing);
    const write: Promise<void> = writeBatch(store, projectId, normalized, summary.refused)
      .then(({ created, existing }) => {
        summary.created += created;
        summary.already_imported += existing;
        progress?.rows?.(read, summary.created);
      })
      .finally(() => writing.delete(write));
    write.catch(() => {}); // awaited by a later write or at the end; this only keeps a failure from counting as unhandled meanwhile
    writing.add(write);
  };
  try {
    let batch: RowsToNormalize['rows'] = [];
    const hand = async () => {
      if (batch.length > 0) {
        const normalized = pool.run({ region: settings.default_region, rows: batch });
        normalized.catch(() => {}); // awaited in turn; this only keeps a later batch's failure from counting as unhandled meanwhile
        normalizing.push(normalized);
      }
      batch = [];
      while (normalizing.length > AHEAD) await writeOldest();
    };
    for await (const row of rows) {
      read++;
      if ('error' in row) summary.refused.push({ line: row.line, reason: row.error });
      else batch.push({ line: row.line, id: contactId(row.line), input: row.input });
      if (batch.length >= BATCH) await hand();
    }
    await hand();
    while (normalizing.length > 0) await writeOldest();
    await Promise.all(writing);
  } finally {
    await Promise.allSettled([...normalizing, ...writing]);
    await pool.destroy();
  }
  progress?.loaded?.(summary.created);

  const dedupe = runDedupe
    ? await dedupeContacts(store, projectId, { onProgress: progress?.dedupe, afterBulkLoad: summary.created > BATCH })
    : { dry_run: true, clusters_found: 0, contacts_merged: 0, suggestions_created: 0, clusters: [], shared_values: [], failed: [] };
  summary.refused.sort((a, b) => a.line - b.line);
  return { ...summary, merged: dedupe.contacts_merged, suggested: dedupe.suggestions_created, dedupe };
}

/** The worker's module beside this one: .js once built, .ts when run from the sources (tsx). */
const WORKER = new URL(`../workers/normalize-contacts${extname(fileURLToPath(import.meta.url))}`, import.meta.url);
/** From the sources outside tsx (a server inside the test runner), the worker thread needs tsx to read TypeScript. */
const WORKER_EXEC_ARGV = WORKER.pathname.endsWith('.ts') && !process.execArgv.some((arg) => arg.includes('tsx')) ? [...process.execArgv, '--import', 'tsx'] : undefined;

/**
 * One batch in one transaction. Should the database refuse it, each row goes again in its own
 * transaction, so only the rows at fault are refused and no contact is half-written. Rows whose contact
 * id is already there (written by an earlier run of the same file) are skipped and counted as existing.
 */
async function writeBatch(store: Store, projectId: string, batch: NormalizedRows, refused: ImportSummary['refused']): Promise<{ created: number; existing: number }> {
  if (batch.lines.length === 0) return { created: 0, existing: 0 };
  try {
    const created = await store.transaction((tx) => insertContactBatch(tx, projectId, batch.contacts, batch.tags.map((t) => ({ contact_id: t.id, tag: t.tag }))));
    return { created, existing: batch.lines.length - created };
  } catch (err) {
    if (batch.lines.length === 1) {
      refused.push({ line: batch.lines[0], reason: `the database refused the row: ${(err as Error).message}` });
      return { created: 0, existing: 0 };
    }
    const contacts = JSON.parse(batch.contacts) as Array<{ id: string }>;
    const tags = new Map<string, NormalizedRows['tags']>();
    for (const tag of batch.tags) tags.set(tag.id, [...(tags.get(tag.id) ?? []), tag]);
    const written = { created: 0, existing: 0 };
    for (const [i, contact] of contacts.entries()) {
      const row = { contacts: JSON.stringify([contact]), lines: [batch.lines[i]], tags: tags.get(contact.id) ?? [], refused: [] };
      const one = await writeBatch(store, projectId, row, refused);
      written.created += one.created;
      written.existing += one.existing;
    }
    return written;
  }
}
