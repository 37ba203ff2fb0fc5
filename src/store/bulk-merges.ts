import { sql } from 'kysely';
import type { Alternates, ContactValues, MergeSide } from '../domain/merge-policy.js';
import type { Tx } from './database.js';
import { CONTACT_OWNED_TABLES, recordset, uuidArray } from './merge-journal.js';
import { mergeSideColumns } from './merges.js';

// The bulk dedupe's writes: many merges of contacts that hold nothing but their own fields, one
// statement per table for all of them (docs/rules.md at the size of a whole base).

/**
 * The contacts of a batch of clusters as the merge policy sees them, each saying whether it owns rows a
 * merge would move (those of every table the merge journal moves by contact). Read after the lock, in a
 * statement of its own: a statement that waited for a lock still reads the snapshot it started with, and
 * would miss a note written meanwhile (which the merge would then leave behind).
 */
export async function selectClusterSides(tx: Tx, projectId: string, ids: readonly string[]): Promise<Array<MergeSide & { owns_rows: boolean }>> {
  const owned = CONTACT_OWNED_TABLES.map((table) => sql`EXISTS (SELECT 1 FROM ${sql.table(table)} o WHERE o.project_id = c.project_id AND o.contact_id = c.id)`);
  const { rows } = await sql<MergeSide & { owns_rows: boolean }>`
    SELECT ${mergeSideColumns}, (${sql.join(owned, sql` OR `)}) AS owns_rows
    FROM contacts c
    WHERE c.project_id = ${projectId} AND c.id = ANY(${uuidArray(ids)})
  `.execute(tx);
  return rows;
}

export async function markAllMerged(tx: Tx, projectId: string, moves: Array<{ id: string; survivor: string }>): Promise<void> {
  await sql`
    UPDATE contacts c SET state = 'merged', merged_into = r.survivor, phone = NULL, email = NULL, updated_at = now()
    FROM ${recordset(moves, 'r(id uuid, survivor uuid)')}
    WHERE c.project_id = ${projectId} AND c.id = r.id
  `.execute(tx);
}

export async function writeAllContactValues(tx: Tx, projectId: string, values: Array<ContactValues & { id: string }>): Promise<void> {
  await sql`
    UPDATE contacts c SET phone = r.phone, email = r.email, external_id = r.external_id, variables = r.variables, preferences = r.preferences, updated_at = now()
    FROM ${recordset(values, 'r(id uuid, phone text, email text, external_id text, variables jsonb, preferences jsonb)')}
    WHERE c.project_id = ${projectId} AND c.id = r.id
  `.execute(tx);
}

export interface BulkMergeRecord {
  id: string;
  from_contact_id: string;
  to_contact_id: string;
  reason: string;
  actor: string;
  plan: object;
  moved: object;
}

export async function insertMerges(tx: Tx, projectId: string, merges: BulkMergeRecord[]): Promise<void> {
  await sql`
    INSERT INTO merges (project_id, id, from_contact_id, to_contact_id, reason, actor, plan, moved)
    SELECT ${projectId}, r.id, r.from_contact_id, r.to_contact_id, r.reason, r.actor, r.plan, r.moved
    FROM ${recordset(merges, 'r(id uuid, from_contact_id uuid, to_contact_id uuid, reason text, actor text, plan jsonb, moved jsonb)')}
  `.execute(tx);
}

export async function insertHistoryEntries(
  tx: Tx,
  projectId: string,
  entries: Array<{ id: string; kind: string; contact_id: string; other_contact_id: string; data: object }>,
): Promise<void> {
  await sql`
    INSERT INTO contact_history (project_id, id, kind, contact_id, other_contact_id, data)
    SELECT ${projectId}, r.id, r.kind, r.contact_id, r.other_contact_id, r.data
    FROM ${recordset(entries, 'r(id uuid, kind text, contact_id uuid, other_contact_id uuid, data jsonb)')}
  `.execute(tx);
}

export async function insertAllAlternates(tx: Tx, projectId: string, added: Array<{ contact_id: string; merge_id: string; alternates: Alternates }>): Promise<void> {
  const rows = added.flatMap((a) => [
    ...a.alternates.phones.map((value) => ({ contact_id: a.contact_id, merge_id: a.merge_id, kind: 'phone', value })),
    ...a.alternates.emails.map((value) => ({ contact_id: a.contact_id, merge_id: a.merge_id, kind: 'email', value })),
  ]);
  if (rows.length === 0) return;
  await sql`
    INSERT INTO contact_alternates (project_id, contact_id, kind, value, merge_id)
    SELECT ${projectId}, r.contact_id, r.kind, r.value, r.merge_id FROM ${recordset(rows, 'r(contact_id uuid, kind text, value text, merge_id uuid)')}
    ON CONFLICT DO NOTHING
  `.execute(tx);
}

export async function insertAllTags(tx: Tx, projectId: string, tags: Array<{ contact_id: string; tag: string }>): Promise<void> {
  if (tags.length === 0) return;
  await sql`
    INSERT INTO contact_tags (project_id, contact_id, tag)
    SELECT ${projectId}, r.contact_id, r.tag FROM ${recordset(tags, 'r(contact_id uuid, tag text)')}
    ON CONFLICT DO NOTHING
  `.execute(tx);
}
