import { sql } from 'kysely';
import type { ContactValues, MergeSide } from '../domain/merge-policy.js';
import type { MergeRecords, MergeRow } from '../domain/merge-records.js';
import { insertTags } from './contacts.js';
import type { Tx } from './database.js';
import { historyInsert } from './history.js';
import { CONTACT_OWNED_TABLES } from './merge-journal.js';
import { recordset, uuidArray } from './sql.js';
import { enqueueEvents } from './outbox.js';

// Merge records and the statements of a merge (docs/merging.md) that are not journal moves. Lock order everywhere:
// contacts first, in ascending id order, then identities, conversations, messages.

export interface LockedContact {
  id: string;
  state: 'active' | 'merged';
  merged_into: string | null;
}

/**
 * Locks the given contacts in ascending id order (the one lock order of the service, so merges over shared
 * contacts queue instead of deadlocking) and answers them as they are once locked; a missing one does not
 * exist. With `activeOnly`, merged contacts are neither locked nor answered: a merge that will be refused
 * must not hold a merged contact, which the merge of its survivor redirects (docs/merging.md chains).
 */
export async function lockContactsInOrder(tx: Tx, projectId: string, ids: string[], options: { activeOnly?: boolean } = {}): Promise<LockedContact[]> {
  let query = tx
    .selectFrom('contacts')
    .select(['id', 'state', 'merged_into'])
    .where('project_id', '=', projectId)
    .where('id', 'in', ids);
  if (options.activeOnly) query = query.where('state', '=', 'active');
  return query.orderBy('id').forUpdate().execute();
}

/** Contacts as they are, without a lock: to say why one could not be locked. */
export async function selectContactStates(tx: Tx, projectId: string, ids: string[]): Promise<LockedContact[]> {
  return tx.selectFrom('contacts').select(['id', 'state', 'merged_into']).where('project_id', '=', projectId).where('id', 'in', ids).execute();
}

// Timestamps travel as fixed-width UTC text so the policy can compare them as strings, to the microsecond.
const utcText = (column: string) => sql<string | null>`to_char(${sql.ref(column)} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** A contact `c` as the merge policy sees it: the select list of the statements that read merge sides. */
export const mergeSideColumns = sql`
  c.id, c.name, c.phone, c.email, c.external_id, c.variables, c.preferences,
  coalesce((SELECT json_agg(t.tag ORDER BY t.tag) FROM contact_tags t WHERE t.project_id = c.project_id AND t.contact_id = c.id), '[]') AS tags,
  json_build_object(
    'phones', coalesce((SELECT json_agg(a.value ORDER BY a.value) FROM contact_alternates a
                        WHERE a.project_id = c.project_id AND a.contact_id = c.id AND a.kind = 'phone'), '[]'),
    'emails', coalesce((SELECT json_agg(a.value ORDER BY a.value) FROM contact_alternates a
                        WHERE a.project_id = c.project_id AND a.contact_id = c.id AND a.kind = 'email'), '[]')
  ) AS alternates,
  coalesce((SELECT json_agg(json_build_object('id', v.id, 'bot_id', v.bot_id, 'channel', v.channel, 'last_message_at', ${utcText('v.last_message_at')}) ORDER BY v.id)
            FROM conversations v WHERE v.project_id = c.project_id AND v.contact_id = c.id), '[]') AS conversations`;

/** FROM and TO as the merge policy sees them, in one statement. */
export async function selectMergeSides(tx: Tx, projectId: string, ids: string[]): Promise<MergeSide[]> {
  const { rows } = await sql<MergeSide>`
    SELECT ${mergeSideColumns}
    FROM contacts c
    WHERE c.project_id = ${projectId} AND c.id = ANY(${uuidArray(ids)})
  `.execute(tx);
  return rows;
}

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

export interface MergeStats {
  messages: number;
  attachments: number;
  conversation_events: number;
}

/** What FROM's conversations hold, counted before they move. */
export async function countConversationContents(tx: Tx, projectId: string, contactId: string): Promise<MergeStats> {
  const inConversations = sql`(SELECT v.id FROM conversations v WHERE v.project_id = ${projectId} AND v.contact_id = ${contactId})`;
  const { rows } = await sql<MergeStats>`
    SELECT
      (SELECT count(*)::int FROM messages m WHERE m.project_id = ${projectId} AND m.conversation_id IN ${inConversations}) AS messages,
      (SELECT count(*)::int FROM message_attachments a JOIN messages m ON m.project_id = a.project_id AND m.id = a.message_id
        WHERE a.project_id = ${projectId} AND m.conversation_id IN ${inConversations}) AS attachments,
      (SELECT count(*)::int FROM conversation_events e WHERE e.project_id = ${projectId} AND e.conversation_id IN ${inConversations}) AS conversation_events
  `.execute(tx);
  return rows[0];
}

/**
 * What merges leave besides the rows they move (domain/merge-records.ts), for one merge or ten thousand:
 * one statement per table. A contact that survives several of them takes the values of the last.
 */
export async function writeMerges(tx: Tx, projectId: string, merges: MergeRecords[]): Promise<void> {
  if (merges.length === 0) return;
  await markMerged(tx, projectId, merges.map((m) => m.merged));
  await writeContactValues(tx, projectId, [...new Map(merges.map((m) => [m.values.id, m.values])).values()]);
  await sql`
    WITH merge AS (
      INSERT INTO merges (project_id, id, from_contact_id, to_contact_id, reason, actor, plan, moved)
      SELECT ${projectId}, r.id, r.from_contact_id, r.to_contact_id, r.reason, r.actor, r.plan, r.moved
      FROM ${recordset(merges.map((m) => m.merge), 'r(id uuid, from_contact_id uuid, to_contact_id uuid, reason text, actor text, plan jsonb, moved jsonb)')}
    )
    ${historyInsert(projectId, merges.flatMap((m) => m.history))}
  `.execute(tx);
  await insertAlternates(tx, projectId, merges.flatMap((m) => m.alternates));
  await insertTags(tx, projectId, merges.flatMap((m) => m.tags));
  await enqueueEvents(tx, projectId, merges.flatMap((m) => m.events));
}

/** FROM after a merge: `merged` into its survivor, its phone and e-mail given up (docs/merging.md). */
async function markMerged(tx: Tx, projectId: string, moves: Array<{ id: string; survivor: string }>): Promise<void> {
  await sql`
    UPDATE contacts c SET state = 'merged', merged_into = r.survivor, phone = NULL, email = NULL, updated_at = now()
    FROM ${recordset(moves, 'r(id uuid, survivor uuid)')}
    WHERE c.project_id = ${projectId} AND c.id = r.id
  `.execute(tx);
}

/**
 * Contacts' phone, e-mail, external id, variables and preferences, each contact once; the name too where the
 * values carry one (plans journaled before merges chose names carry none and leave it alone).
 */
export async function writeContactValues(tx: Tx, projectId: string, values: Array<ContactValues & { id: string }>): Promise<void> {
  if (values.length === 0) return;
  const rows = values.map(({ name, ...rest }) => ({ ...rest, name: name ?? null, set_name: name !== undefined }));
  await sql`
    UPDATE contacts c SET name = CASE WHEN r.set_name THEN r.name ELSE c.name END,
      phone = r.phone, email = r.email, external_id = r.external_id, variables = r.variables, preferences = r.preferences, updated_at = now()
    FROM ${recordset(rows, 'r(id uuid, name text, set_name boolean, phone text, email text, external_id text, variables jsonb, preferences jsonb)')}
    WHERE c.project_id = ${projectId} AND c.id = r.id
  `.execute(tx);
}

/** Secondary phones and e-mails a merge gave its survivor, marked with the merge (an undo removes them). */
async function insertAlternates(tx: Tx, projectId: string, added: MergeRecords['alternates']): Promise<void> {
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

/** FROM after an undo: active again with its phone and e-mail. */
export async function markActive(tx: Tx, projectId: string, id: string, values: { phone: string | null; email: string | null }): Promise<void> {
  await tx
    .updateTable('contacts')
    .set({ state: 'active', merged_into: null, phone: values.phone, email: values.email, updated_at: sql`now()` })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .execute();
}

export async function removeAlternatesOf(tx: Tx, projectId: string, mergeId: string): Promise<void> {
  await tx.deleteFrom('contact_alternates').where('project_id', '=', projectId).where('merge_id', '=', mergeId).execute();
}

export async function removeTags(tx: Tx, projectId: string, contactId: string, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  await tx.deleteFrom('contact_tags').where('project_id', '=', projectId).where('contact_id', '=', contactId).where('tag', 'in', tags).execute();
}

/**
 * Sets the last activity of the conversations that received messages; on undo, puts back the earlier one
 * where nothing arrived since.
 */
export async function setLastActivity(tx: Tx, projectId: string, changes: Array<{ id: string; from: string | null; to: string | null }>): Promise<void> {
  if (changes.length === 0) return;
  await sql`
    UPDATE conversations v SET last_message_at = x."to"::timestamptz
    FROM ${recordset(changes, 'x(id uuid, "from" text, "to" text)')}
    WHERE v.project_id = ${projectId} AND v.id = x.id AND v.last_message_at IS NOT DISTINCT FROM x."from"::timestamptz
  `.execute(tx);
}

export interface MergeRecord extends Omit<MergeRow, 'moved'> {
  state: 'done' | 'undone';
  moved: Record<string, number>;
  created_at: Date;
  undone_at: Date | null;
}

export async function selectMerge(tx: Tx, projectId: string, mergeId: string): Promise<MergeRecord | undefined> {
  return tx
    .selectFrom('merges')
    .select(['id', 'from_contact_id', 'to_contact_id', 'reason', 'actor', 'state', 'plan', 'moved', 'created_at', 'undone_at'])
    .where('project_id', '=', projectId)
    .where('id', '=', mergeId)
    .executeTakeFirst() as Promise<MergeRecord | undefined>;
}

export async function markUndone(tx: Tx, projectId: string, mergeId: string): Promise<void> {
  await tx.updateTable('merges').set({ state: 'undone', undone_at: sql`now()` }).where('project_id', '=', projectId).where('id', '=', mergeId).execute();
}

/**
 * What happened to TO after a merge that an undo would tear apart: later merges into or out of it that
 * still stand, and identities untied from it.
 */
export async function selectLaterChanges(tx: Tx, projectId: string, merge: MergeRecord): Promise<Array<{ kind: string; id: string }>> {
  const { rows } = await sql<{ kind: string; id: string }>`
    SELECT 'merge' AS kind, m.id FROM merges m
    WHERE m.project_id = ${projectId} AND m.id > ${merge.id} AND m.state = 'done'
      AND (m.from_contact_id = ${merge.to_contact_id} OR m.to_contact_id = ${merge.to_contact_id})
    UNION ALL
    SELECT 'unmerge' AS kind, h.id FROM contact_history h
    WHERE h.project_id = ${projectId} AND h.contact_id = ${merge.to_contact_id} AND h.kind = 'unmerge' AND h.id > ${merge.id}
    ORDER BY id
  `.execute(tx);
  return rows;
}
