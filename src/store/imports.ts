import { sql } from 'kysely';
import type { Db } from './database.js';

/** An import of one file into one project, as remembered across runs. */
export interface ImportRun {
  started_at: Date;
  finished_at: Date | null;
  /** 1 on the first run of this file, more when it was run before */
  runs: number;
}

/** Remembers that this file's import (re)starts; answers when it first began, which its contacts' ids come from. */
export async function beginImport(db: Db, projectId: string, fileSha256: string, fileName: string): Promise<ImportRun> {
  const { rows } = await sql<ImportRun>`
    INSERT INTO contact_imports (project_id, file_sha256, file_name) VALUES (${projectId}, ${fileSha256}, ${fileName})
    ON CONFLICT (project_id, file_sha256) DO UPDATE SET runs = contact_imports.runs + 1, file_name = excluded.file_name
    RETURNING started_at, finished_at, runs`.execute(db);
  return rows[0];
}

export async function finishImport(db: Db, projectId: string, fileSha256: string): Promise<void> {
  await db.updateTable('contact_imports').set({ finished_at: sql`now()` }).where('project_id', '=', projectId).where('file_sha256', '=', fileSha256).execute();
}
