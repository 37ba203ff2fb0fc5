import { sql } from 'kysely';
import type { Db } from './database.js';

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
