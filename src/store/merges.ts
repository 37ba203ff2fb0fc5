import { sql } from 'kysely';
import type { Alternates, ContactValues, MergePlan, MergeSide } from '../domain/merge-policy.js';
import type { Tx } from './database.js';
import { jsonb } from './json.js';
import { recordset, uuidArray } from './merge-journal.js';

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

export async function writeContactValues(tx: Tx, projectId: string, contactId: string, values: ContactValues): Promise<void> {
  await tx
    .updateTable('contacts')
    .set({
      ...(values.name === undefined ? {} : { name: values.name }),
      phone: values.phone,
      email: values.email,
      external_id: values.external_id,
      variables: jsonb(values.variables),
      preferences: jsonb(values.preferences),
      updated_at: sql`now()`,
    })
    .where('project_id', '=', projectId)
    .where('id', '=', contactId)
    .execute();
}

/** FROM after a merge: `merged` into TO, its phone and e-mail given up (docs/merging.md). */
export async function markMerged(tx: Tx, projectId: string, fromId: string, toId: string): Promise<void> {
  await tx
    .updateTable('contacts')
    .set({ state: 'merged', merged_into: toId, phone: null, email: null, updated_at: sql`now()` })
    .where('project_id', '=', projectId)
    .where('id', '=', fromId)
    .execute();
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

export async function addAlternates(tx: Tx, projectId: string, contactId: string, mergeId: string, alternates: Alternates): Promise<void> {
  const rows = [
    ...alternates.phones.map((value) => ({ kind: 'phone', value })),
    ...alternates.emails.map((value) => ({ kind: 'email', value })),
  ];
  if (rows.length === 0) return;
  await sql`
    INSERT INTO contact_alternates (project_id, contact_id, kind, value, merge_id)
    SELECT ${projectId}, ${contactId}, a.kind, a.value, ${mergeId} FROM ${recordset(rows, 'a(kind text, value text)')}
    ON CONFLICT DO NOTHING
  `.execute(tx);
}

export async function removeAlternatesOf(tx: Tx, projectId: string, mergeId: string): Promise<void> {
  await tx.deleteFrom('contact_alternates').where('project_id', '=', projectId).where('merge_id', '=', mergeId).execute();
}

export async function addTags(tx: Tx, projectId: string, contactId: string, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  await tx
    .insertInto('contact_tags')
    .values(tags.map((tag) => ({ project_id: projectId, contact_id: contactId, tag })))
    .onConflict((oc) => oc.doNothing())
    .execute();
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

export interface MergeRecord {
  id: string;
  from_contact_id: string;
  to_contact_id: string;
  reason: string;
  actor: string;
  state: 'done' | 'undone';
  plan: MergePlan;
  moved: Record<string, number>;
  created_at: Date;
  undone_at: Date | null;
}

export interface HistoryEntry {
  id: string;
  kind: string;
  contactId: string;
  otherContactId: string | null;
  data: Record<string, unknown>;
}

/** The merge and its history entry, in one statement. */
export async function insertMerge(tx: Tx, projectId: string, merge: Omit<MergeRecord, 'state' | 'created_at' | 'undone_at'>, history: HistoryEntry): Promise<void> {
  await sql`
    WITH merge AS (
      INSERT INTO merges (project_id, id, from_contact_id, to_contact_id, reason, actor, plan, moved)
      VALUES (${projectId}, ${merge.id}, ${merge.from_contact_id}, ${merge.to_contact_id}, ${merge.reason}, ${merge.actor}, ${jsonb(merge.plan)}, ${jsonb(merge.moved)})
    )
    ${historyInsert(projectId, history)}
  `.execute(tx);
}

export async function insertHistory(tx: Tx, projectId: string, entry: HistoryEntry): Promise<void> {
  await historyInsert(projectId, entry).execute(tx);
}

function historyInsert(projectId: string, e: HistoryEntry) {
  return sql`
    INSERT INTO contact_history (project_id, id, kind, contact_id, other_contact_id, data)
    VALUES (${projectId}, ${e.id}, ${e.kind}, ${e.contactId}, ${e.otherContactId}, ${jsonb(e.data)})
  `;
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
