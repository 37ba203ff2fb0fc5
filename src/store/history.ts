import { sql } from 'kysely';
import type { HistoryEntry } from '../domain/merge-records.js';
import type { Db, Tx } from './database.js';
import { recordset } from './sql.js';

// contact_history: what happened to a contact (merges, undos, unmerges, rule matches, links, suggestions).

export type { HistoryEntry };

export interface HistoryRow {
  id: string;
  kind: string;
  contact_id: string;
  other_contact_id: string | null;
  data: Record<string, unknown>;
  created_at: Date;
}

/**
 * A contact's history, newest first: what happened to it and to the contacts merged into it, however
 * long ago (so a chain A→B→C shows both merges on C). `after` is the last id of the previous page.
 */
export async function selectHistory(db: Db, projectId: string, contactId: string, page: { after: string | null; limit: number }): Promise<HistoryRow[]> {
  const { rows } = await sql<HistoryRow>`
    WITH RECURSIVE family (id) AS (
      SELECT ${contactId}::uuid
      UNION
      SELECT c.id FROM contacts c JOIN family f ON c.project_id = ${projectId} AND c.merged_into = f.id
    )
    SELECT h.id, h.kind, h.contact_id, h.other_contact_id, h.data, h.created_at
    FROM contact_history h
    WHERE h.project_id = ${projectId}
      AND (h.contact_id IN (SELECT id FROM family) OR h.other_contact_id IN (SELECT id FROM family))
      ${page.after ? sql`AND h.id < ${page.after}` : sql``}
    ORDER BY h.id DESC
    LIMIT ${page.limit}
  `.execute(db);
  return rows;
}

/** History entries, one statement however many. */
export async function insertHistory(tx: Tx, projectId: string, entries: HistoryEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await historyInsert(projectId, entries).execute(tx);
}

/** The INSERT of history entries, to be run alone or as the last statement of a WITH. */
export function historyInsert(projectId: string, entries: HistoryEntry[]) {
  const rows = entries.map((e) => ({ id: e.id, kind: e.kind, contact_id: e.contactId, other_contact_id: e.otherContactId, data: e.data }));
  return sql`
    INSERT INTO contact_history (project_id, id, kind, contact_id, other_contact_id, data)
    SELECT ${projectId}, r.id, r.kind, r.contact_id, r.other_contact_id, r.data
    FROM ${recordset(rows, 'r(id uuid, kind text, contact_id uuid, other_contact_id uuid, data jsonb)')}
  `;
}
