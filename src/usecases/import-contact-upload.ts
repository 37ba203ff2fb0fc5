import { createHash } from 'node:crypto';
import { importContactId } from '../domain/import-ids.js';
import type { Store } from '../store/database.js';
import { beginImport, finishImport } from '../store/imports.js';
import { analyzeContactTables } from '../store/rule-matches.js';
import { importContacts, type ImportRow } from './import-contacts.js';

// docs/rules.md "Import": a file uploaded through the API (the web UI's Import page). The rows are loaded like the
// CLI's, and the file is remembered by its hash, so uploading it again writes no second copy of a row.
// The dedupe is not run here: the caller looks at a dry run's clusters first (POST /v1/dedupe).

export interface ContactUpload {
  fileName: string;
  content: Buffer;
  /** the file's rows, read in its format */
  rows: (content: Buffer) => AsyncIterable<ImportRow>;
}

export interface ImportedUpload {
  file_name: string;
  /** rows read (refused ones included) */
  rows: number;
  created: number;
  /** rows an earlier upload of the same file already wrote */
  already_imported: number;
  /** how many rows were refused; `refused` lists the first REFUSED_SHOWN of them */
  refused_count: number;
  refused: Array<{ line: number; reason: string }>;
  /** the same file was uploaded before */
  uploaded_before: boolean;
}

const REFUSED_SHOWN = 1000;
/** past this many new contacts, the planner's statistics are refreshed for the dedupe that follows */
const MANY = 5000;

export async function importContactUpload(store: Store, projectId: string, upload: ContactUpload): Promise<ImportedUpload> {
  const fileSha256 = createHash('sha256').update(upload.content).digest('hex');
  const run = await beginImport(store.db, projectId, fileSha256, upload.fileName);
  let read = 0;
  const summary = await importContacts(
    store,
    projectId,
    upload.rows(upload.content),
    { rows: (rows) => (read = rows) },
    { contactId: (line) => importContactId(run.started_at, projectId, fileSha256, line), dedupe: false },
  );
  await finishImport(store.db, projectId, fileSha256);
  if (summary.created > MANY) await analyzeContactTables(store.db);
  return {
    file_name: upload.fileName,
    rows: Math.max(read, summary.created + summary.already_imported + summary.refused.length),
    created: summary.created,
    already_imported: summary.already_imported,
    refused_count: summary.refused.length,
    refused: summary.refused.slice(0, REFUSED_SHOWN),
    uploaded_before: run.runs > 1,
  };
}
