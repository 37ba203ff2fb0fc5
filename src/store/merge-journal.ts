import { sql, type RawBuilder } from 'kysely';
import type { Tx } from './database.js';
import { recordset, uuidArray } from './sql.js';

// The journal of a merge (docs/merging.md, undo): every row a merge moves is written down by kind and old
// parent, every row it deletes is kept whole, so an undo puts them back. One statement per kind, whatever
// the number of rows: a merge of ten thousand messages is one UPDATE and one journal row per conversation.

/** What a merge moves, and the column that says where each row belongs. */
const MOVABLE = {
  identity: { table: 'identities', parent: 'contact_id' },
  note: { table: 'contact_notes', parent: 'contact_id' },
  contact_event: { table: 'contact_events', parent: 'contact_id' },
  reference: { table: 'contact_references', parent: 'contact_id' },
  conversation: { table: 'conversations', parent: 'contact_id' },
  message: { table: 'messages', parent: 'conversation_id' },
  conversation_event: { table: 'conversation_events', parent: 'conversation_id' },
} as const;

/** What a merge deletes (kept in the journal to be inserted again by an undo). */
const DELETABLE = {
  scheduled_message: 'contact_references',
  joined_conversation: 'conversations',
} as const;

export type MoveKind = keyof typeof MOVABLE;
export type DeleteKind = keyof typeof DELETABLE;

export interface JournalScope {
  projectId: string;
  mergeId: string;
}

export interface Move {
  old: string;
  new: string;
}

/**
 * Moves every row of a kind from each old parent to its new one (only the rows in `only`, when given)
 * and journals them; answers how many moved.
 */
export async function moveRows(tx: Tx, scope: JournalScope, kind: MoveKind, moves: Move[], only?: string[]): Promise<number> {
  if (moves.length === 0 || only?.length === 0) return 0;
  const { table, parent } = MOVABLE[kind];
  const { projectId: p, mergeId } = scope;
  const { rows } = await sql<{ n: number }>`
    WITH moved AS (
      UPDATE ${sql.table(table)} AS t SET ${sql.ref(parent)} = m.new
      FROM ${recordset(moves, 'm(old uuid, new uuid)')}
      WHERE t.project_id = ${p} AND ${sql.ref(`t.${parent}`)} = m.old
        ${only ? sql`AND t.id = ANY(${uuidArray(only)})` : sql``}
      RETURNING t.id, m.old, m.new
    )
    INSERT INTO merge_moves (project_id, merge_id, kind, old_parent, new_parent, ids)
    SELECT ${p}, ${mergeId}, ${kind}, old, new, array_agg(id) FROM moved GROUP BY old, new
    RETURNING cardinality(ids) AS n
  `.execute(tx);
  return rows.reduce((sum, r) => sum + Number(r.n), 0);
}

/** Deletes the rows `where` picks (alias `t`), keeping them whole in the journal; answers how many. */
async function deleteKept(tx: Tx, scope: JournalScope, kind: DeleteKind, move: Move, using: RawBuilder<unknown> | null, where: RawBuilder<unknown>): Promise<number> {
  const { projectId: p, mergeId } = scope;
  const { rows } = await sql<{ n: number }>`
    WITH gone AS (
      DELETE FROM ${sql.table(DELETABLE[kind])} AS t ${using ? sql`USING ${using}` : sql``}
      WHERE t.project_id = ${p} AND ${where}
      RETURNING t.*
    )
    INSERT INTO merge_moves (project_id, merge_id, kind, old_parent, new_parent, ids, rows)
    SELECT ${p}, ${mergeId}, ${kind}, ${move.old}, ${move.new}, array_agg(gone.id), jsonb_agg(to_jsonb(gone)) FROM gone HAVING count(*) > 0
    RETURNING cardinality(ids) AS n
  `.execute(tx);
  return rows.reduce((sum, r) => sum + Number(r.n), 0);
}

/** Deletes the scheduled jobs (references of kind scheduled_message) of the messages of FROM's conversations, kept for an undo. */
export async function deleteScheduledMessages(tx: Tx, scope: JournalScope, move: Move): Promise<number> {
  return deleteKept(
    tx,
    scope,
    'scheduled_message',
    move,
    sql`messages m, conversations v`,
    sql`t.kind = 'scheduled_message' AND m.project_id = t.project_id AND m.id = t.message_id
        AND v.project_id = m.project_id AND v.id = m.conversation_id AND v.contact_id = ${move.old}`,
  );
}

/** Deletes FROM's conversations emptied into TO's, kept for an undo. */
export async function deleteJoinedConversations(tx: Tx, scope: JournalScope, move: Move, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await deleteKept(tx, scope, 'joined_conversation', move, null, sql`t.id = ANY(${uuidArray(ids)})`);
}

/** The kinds a merge journaled, so an undo sends statements only for those. */
export async function journaledKinds(tx: Tx, scope: JournalScope): Promise<Set<string>> {
  const rows = await tx
    .selectFrom('merge_moves')
    .select('kind')
    .distinct()
    .where('project_id', '=', scope.projectId)
    .where('merge_id', '=', scope.mergeId)
    .execute();
  return new Set(rows.map((r) => r.kind));
}

/** Puts back the rows of a kind that still sit where the merge put them. */
export async function moveBack(tx: Tx, scope: JournalScope, kind: MoveKind): Promise<void> {
  const { table, parent } = MOVABLE[kind];
  const { projectId: p, mergeId } = scope;
  await sql`
    UPDATE ${sql.table(table)} AS t SET ${sql.ref(parent)} = j.old_parent
    FROM (
      SELECT old_parent, new_parent, unnest(ids) AS id FROM merge_moves
      WHERE project_id = ${p} AND merge_id = ${mergeId} AND kind = ${kind}
    ) AS j
    WHERE t.project_id = ${p} AND t.id = j.id AND ${sql.ref(`t.${parent}`)} = j.new_parent
  `.execute(tx);
}

/** Inserts again the rows a merge deleted. */
export async function restoreDeleted(tx: Tx, scope: JournalScope, kind: DeleteKind): Promise<void> {
  const table = sql.table(DELETABLE[kind]);
  await sql`
    INSERT INTO ${table}
    SELECT r.* FROM merge_moves j CROSS JOIN LATERAL jsonb_populate_recordset(null::${table}, j.rows) AS r
    WHERE j.project_id = ${scope.projectId} AND j.merge_id = ${scope.mergeId} AND j.kind = ${kind}
  `.execute(tx);
}

export const MOVE_KINDS = Object.keys(MOVABLE) as MoveKind[];

/** The tables whose rows belong to a contact directly: what a merge moves from one contact to another. */
export const CONTACT_OWNED_TABLES = Object.values(MOVABLE)
  .filter((m) => m.parent === 'contact_id')
  .map((m) => m.table);
