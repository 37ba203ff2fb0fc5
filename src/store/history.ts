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
  /** what an operator calls contact_id and other_contact_id: name, else phone, e-mail, external id */
  contact_name: string | null;
  other_contact_name: string | null;
  /** the fields of the merge rule the entry names (rule_id, or a `rule:<id>` reason), while the rule exists */
  rule_fields: string[] | null;
}

/**
 * A contact as people call it. A merged contact gave up its phone and e-mail; the merge that took them
 * still knows them.
 */
const titleOf = (alias: string) => sql`coalesce(${sql.ref(`${alias}.name`)}, ${sql.ref(`${alias}.phone`)}, ${sql.ref(`${alias}.email`)}, ${sql.ref(`${alias}.external_id`)},
  (SELECT coalesce(m.plan->'before'->'from'->>'phone', m.plan->'before'->'from'->>'email') FROM merges m
   WHERE m.project_id = ${sql.ref(`${alias}.project_id`)} AND m.from_contact_id = ${sql.ref(`${alias}.id`)} ORDER BY m.id DESC LIMIT 1))`;

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
    SELECT h.id, h.kind, h.contact_id, h.other_contact_id, h.data, h.created_at,
      ${titleOf('c')} AS contact_name, ${titleOf('o')} AS other_contact_name, r.fields AS rule_fields
    FROM contact_history h
    LEFT JOIN contacts c ON c.project_id = h.project_id AND c.id = h.contact_id
    LEFT JOIN contacts o ON o.project_id = h.project_id AND o.id = h.other_contact_id
    LEFT JOIN merge_rules r ON r.project_id = h.project_id
      AND r.id::text = coalesce(h.data->>'rule_id', substring(h.data->>'reason' from '^rule:(.*)$'))
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
