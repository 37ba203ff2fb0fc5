import { sql, type RawBuilder } from 'kysely';
import { newId } from '../ids.js';
import type { Db, Tx } from './database.js';
import { jsonb } from './sql.js';

// What a contact carries besides its fields (docs/concepts.md, docs/merging.md): notes, contact events, references (integrations,
// agent sessions, sequence runs, campaigns, scheduled message jobs) and the events of its conversations.
// A merge moves them all; one table of their shapes serves every kind.

export const RECORDS = {
  notes: { table: 'contact_notes', parent: 'contact_id', fields: ['text', 'author'] },
  contact_events: { table: 'contact_events', parent: 'contact_id', fields: ['type', 'data'] },
  references: { table: 'contact_references', parent: 'contact_id', fields: ['kind', 'ref', 'data', 'message_id'] },
  conversation_events: { table: 'conversation_events', parent: 'conversation_id', fields: ['type', 'data'] },
} as const;

export type RecordKind = keyof typeof RECORDS;
type Data = Record<string, unknown>;

/** Each kind as stored, as RECORDS lists its fields. */
export interface RecordRows {
  notes: { id: string; contact_id: string; text: string; author: string | null; created_at: Date };
  contact_events: { id: string; contact_id: string; type: string; data: Data; created_at: Date };
  references: { id: string; contact_id: string; kind: string; ref: string; data: Data; message_id: string | null; created_at: Date };
  conversation_events: { id: string; conversation_id: string; type: string; data: Data; created_at: Date };
}

const columnsOf = (kind: RecordKind) => ['id', RECORDS[kind].parent, ...RECORDS[kind].fields, 'created_at'];

/** Inserts a record under its parent when `guard` holds (else answers nothing). */
export async function insertRecord<K extends RecordKind>(tx: Tx, projectId: string, kind: K, parentId: string, values: Record<string, unknown>, guard: RawBuilder<unknown>): Promise<RecordRows[K] | undefined> {
  const { table, parent, fields } = RECORDS[kind];
  const value = (field: string) => (field === 'data' ? jsonb(values.data ?? {}) : sql`${values[field] ?? null}`);
  const { rows } = await sql<RecordRows[K]>`
    INSERT INTO ${sql.table(table)} (project_id, id, ${sql.ref(parent)}, ${sql.join(fields.map((f) => sql.ref(f)))})
    SELECT ${projectId}, ${newId()}, ${parentId}, ${sql.join(fields.map(value))}
    WHERE ${guard}
    RETURNING ${sql.join(columnsOf(kind).map((c) => sql.ref(c)))}
  `.execute(tx);
  return rows[0];
}

/** A parent's records, oldest first; `after` is the last id of the previous page. */
export async function selectRecords<K extends RecordKind>(db: Db, projectId: string, kind: K, parentId: string, page: { after: string | null; limit: number }): Promise<Array<RecordRows[K]>> {
  const { table, parent } = RECORDS[kind];
  const { rows } = await sql<RecordRows[K]>`
    SELECT ${sql.join(columnsOf(kind).map((c) => sql.ref(c)))} FROM ${sql.table(table)}
    WHERE project_id = ${projectId} AND ${sql.ref(parent)} = ${parentId} ${page.after ? sql`AND id > ${page.after}` : sql``}
    ORDER BY id LIMIT ${page.limit}
  `.execute(db);
  return rows;
}

/** True when the message is in one of the contact's conversations (a scheduled job must be the contact's own). */
/** The guard of a record that names a message of the contact (always true when it names none). */
export function messageOfContact(projectId: string, contactId: string, messageId: string | undefined): RawBuilder<unknown> {
  if (messageId === undefined) return sql`true`;
  return sql`EXISTS (
    SELECT 1 FROM messages m JOIN conversations v ON v.project_id = m.project_id AND v.id = m.conversation_id
    WHERE m.project_id = ${projectId} AND m.id = ${messageId} AND v.contact_id = ${contactId})`;
}

export function conversationOfContact(projectId: string, contactId: string, conversationId: string): RawBuilder<unknown> {
  return sql`EXISTS (SELECT 1 FROM conversations v WHERE v.project_id = ${projectId} AND v.id = ${conversationId} AND v.contact_id = ${contactId})`;
}

export async function replacePreferences(tx: Tx, projectId: string, contactId: string, preferences: Record<string, unknown>): Promise<void> {
  await tx
    .updateTable('contacts')
    .set({ preferences: jsonb(preferences), updated_at: sql`now()` })
    .where('project_id', '=', projectId)
    .where('id', '=', contactId)
    .execute();
}
