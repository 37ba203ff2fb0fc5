import { sql } from 'kysely';
import { normalizeContactInput, type ContactInput } from '../domain/contact.js';
import { DomainError } from '../domain/errors.js';
import { newId } from '../ids.js';
import type { Store, Tx } from '../store/database.js';
import { recordset } from '../store/merge-journal.js';
import { selectSettings } from '../store/projects.js';
import { dedupeContacts, type DedupeReport } from './dedupe-contacts.js';

// SPEC §9: bulk import. Rows are normalized in memory and written in set-based batches (one statement
// per table per batch, with their match keys); a row that cannot be read is refused with its line and
// reason and never stops the import. Then the rules run over the whole base at once (bulk dedupe).

/** A row as read from a file: its line, and its fields or why it could not be read. */
export type ImportRow = { line: number; input: ContactInput } | { line: number; error: string };

export interface ImportSummary {
  created: number;
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

const BATCH = 5000;

export async function importContacts(store: Store, projectId: string, rows: AsyncIterable<ImportRow>, progress?: Partial<ImportProgress>): Promise<ImportSummary> {
  const settings = await selectSettings(store.db, projectId);
  const summary = { created: 0, refused: [] as ImportSummary['refused'] };
  let batch: Array<{ line: number; contact: NewContact }> = [];
  let read = 0;

  // The database writes one batch while the next is read and normalized: the two take about as long.
  let writing: Promise<void> = Promise.resolve();
  const flush = async () => {
    const rows = batch;
    batch = [];
    await writing;
    writing = writeBatch(store, projectId, rows, summary.refused).then((created) => {
      summary.created += created;
      progress?.rows?.(read, summary.created);
    });
    writing.catch(() => {}); // awaited at the next flush; this only keeps a failure from counting as unhandled meanwhile
  };
  for await (const row of rows) {
    read++;
    if ('error' in row) {
      summary.refused.push({ line: row.line, reason: row.error });
    } else {
      try {
        batch.push({ line: row.line, contact: newContact(row.input, settings.default_region) });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        summary.refused.push({ line: row.line, reason: err.message });
      }
    }
    if (batch.length >= BATCH) await flush();
  }
  await flush();
  await writing;
  progress?.loaded?.(summary.created);

  const dedupe = await dedupeContacts(store, projectId, { onProgress: progress?.dedupe, afterBulkLoad: summary.created > BATCH });
  summary.refused.sort((a, b) => a.line - b.line);
  return { ...summary, merged: dedupe.contacts_merged, suggested: dedupe.suggestions_created, dedupe };
}

interface NewContact {
  id: string;
  name: string | null;
  phone: string | null;
  email: string | null;
  external_id: string | null;
  variables: Record<string, unknown>;
  tags: string[];
}

function newContact(input: ContactInput, defaultRegion: string | null): NewContact {
  const fields = normalizeContactInput(input, defaultRegion);
  return {
    id: newId(),
    name: fields.name ?? null,
    phone: fields.phone ?? null,
    email: fields.email ?? null,
    external_id: fields.external_id ?? null,
    variables: fields.variables ?? {},
    tags: fields.tags ?? [],
  };
}

/**
 * One batch in one transaction. Should the database refuse it, each row goes again in its own
 * transaction, so only the rows at fault are refused and no contact is half-written.
 */
async function writeBatch(store: Store, projectId: string, batch: Array<{ line: number; contact: NewContact }>, refused: ImportSummary['refused']): Promise<number> {
  if (batch.length === 0) return 0;
  try {
    await store.transaction((tx) => insertContacts(tx, projectId, batch.map((b) => b.contact)));
    return batch.length;
  } catch (err) {
    if (batch.length === 1) {
      refused.push({ line: batch[0].line, reason: `the database refused the row: ${(err as Error).message}` });
      return 0;
    }
    let written = 0;
    for (const row of batch) written += await writeBatch(store, projectId, [row], refused);
    return written;
  }
}

async function insertContacts(tx: Tx, projectId: string, contacts: NewContact[]): Promise<void> {
  await sql`
    INSERT INTO contacts (project_id, id, name, phone, email, external_id, variables)
    SELECT ${projectId}, r.id, r.name, r.phone, r.email, r.external_id, r.variables
    FROM ${recordset(
      contacts.map(({ tags: _, ...c }) => c),
      'r(id uuid, name text, phone text, email text, external_id text, variables jsonb)',
    )}
  `.execute(tx);
  const tags = contacts.flatMap((c) => c.tags.map((tag) => ({ id: c.id, tag })));
  if (tags.length > 0) {
    await sql`INSERT INTO contact_tags (project_id, contact_id, tag) SELECT ${projectId}, r.id, r.tag FROM ${recordset(tags, 'r(id uuid, tag text)')}`.execute(tx);
  }
}
