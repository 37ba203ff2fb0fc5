import { sql, type RawBuilder } from 'kysely';
import type { Db, Tx } from './database.js';
import { jsonb, uuidArray } from './sql.js';

// Everything stored about one person (docs/privacy.md): the rows an export reads and an erasure
// deletes. A person is a contact with every contact merged into it (they are the same person), their
// identities, conversations and messages, and every row that points at any of them — merge journals
// and suggestions included. One table of tables serves both: read in this order, deleted in this order
// (rows that point at others go first).

/** The ids a person's rows are found by. */
export interface PersonIds {
  contacts: string[];
  identities: string[];
  conversations: string[];
  messages: string[];
  merges: string[];
}

type Where = (ids: PersonIds, projectId: string) => RawBuilder<unknown>;

interface PersonTable {
  table: string;
  /** the key of its rows in an export; null: not exported (delivery bookkeeping) */
  key: string | null;
  where: Where;
  /** columns never exported (hashes of secrets) */
  hidden?: string[];
}

const any = (ids: string[]) => uuidArray(ids);

export const PERSON_TABLES: PersonTable[] = [
  {
    table: 'webhook_deliveries',
    key: null,
    where: (ids, projectId) =>
      sql`contact_id = ANY(${any(ids.contacts)}) OR event_id IN (SELECT event_id FROM outbox WHERE project_id = ${projectId} AND contact_id = ANY(${any(ids.contacts)}))`,
  },
  { table: 'outbox', key: 'events', where: (ids) => sql`contact_id = ANY(${any(ids.contacts)})` },
  { table: 'merge_moves', key: 'merge_journal', where: (ids) => sql`merge_id = ANY(${any(ids.merges)})` },
  { table: 'merges', key: 'merges', where: (ids) => sql`id = ANY(${any(ids.merges)})` },
  {
    table: 'merge_suggestions',
    key: 'merge_suggestions',
    where: (ids) => sql`from_contact_id = ANY(${any(ids.contacts)}) OR to_contact_id = ANY(${any(ids.contacts)})`,
  },
  { table: 'merge_code_failures', key: 'merge_code_failures', where: (ids) => sql`identity_id = ANY(${any(ids.identities)})` },
  {
    table: 'merge_links',
    key: 'merge_links',
    where: (ids) => sql`contact_id = ANY(${any(ids.contacts)}) OR used_by_identity_id = ANY(${any(ids.identities)})`,
    hidden: ['token_hash', 'code_hash'],
  },
  {
    table: 'contact_history',
    key: 'history',
    where: (ids) => sql`contact_id = ANY(${any(ids.contacts)}) OR other_contact_id = ANY(${any(ids.contacts)})`,
  },
  {
    table: 'contact_references',
    key: 'references',
    where: (ids) => sql`contact_id = ANY(${any(ids.contacts)}) OR message_id = ANY(${any(ids.messages)})`,
  },
  { table: 'message_attachments', key: 'attachments', where: (ids) => sql`message_id = ANY(${any(ids.messages)})` },
  { table: 'conversation_events', key: 'conversation_events', where: (ids) => sql`conversation_id = ANY(${any(ids.conversations)})` },
  { table: 'messages', key: 'messages', where: (ids) => sql`id = ANY(${any(ids.messages)})` },
  { table: 'conversations', key: 'conversations', where: (ids) => sql`id = ANY(${any(ids.conversations)})` },
  { table: 'identities', key: 'identities', where: (ids) => sql`id = ANY(${any(ids.identities)})` },
  { table: 'contact_tags', key: 'tags', where: (ids) => sql`contact_id = ANY(${any(ids.contacts)})` },
  { table: 'contact_alternates', key: 'alternates', where: (ids) => sql`contact_id = ANY(${any(ids.contacts)})` },
  { table: 'contact_notes', key: 'notes', where: (ids) => sql`contact_id = ANY(${any(ids.contacts)})` },
  { table: 'contact_events', key: 'contact_events', where: (ids) => sql`contact_id = ANY(${any(ids.contacts)})` },
  { table: 'contacts', key: 'contacts', where: (ids) => sql`id = ANY(${any(ids.contacts)})` },
];

/** Tables that are not a person's data though they name contacts: the audit of erasures itself. */
const NOT_PERSON_DATA = new Set(['contact_erasures', 'contact_imports']);

/** Columns by which a table not listed above (added later) still holds a person's rows. */
const ID_COLUMNS: Record<string, keyof PersonIds> = {
  contact_id: 'contacts',
  from_contact_id: 'contacts',
  to_contact_id: 'contacts',
  other_contact_id: 'contacts',
  identity_id: 'identities',
  conversation_id: 'conversations',
  message_id: 'messages',
};

/** The contact and every contact merged into it (directly or down a chain), then what they own. */
export async function selectPersonIds(db: Db | Tx, projectId: string, contactId: string): Promise<PersonIds> {
  const { rows } = await sql<{ kind: keyof PersonIds; id: string }>`
    WITH RECURSIVE family (id) AS (
      SELECT ${contactId}::uuid
      UNION
      SELECT c.id FROM contacts c JOIN family f ON c.project_id = ${projectId} AND c.merged_into = f.id
    ), owned_identities AS (
      SELECT id FROM identities WHERE project_id = ${projectId} AND contact_id IN (SELECT id FROM family)
    ), owned_conversations AS (
      SELECT id FROM conversations WHERE project_id = ${projectId} AND contact_id IN (SELECT id FROM family)
    )
    SELECT 'contacts' AS kind, id::text FROM family
    UNION ALL SELECT 'identities', id::text FROM owned_identities
    UNION ALL SELECT 'conversations', id::text FROM owned_conversations
    UNION ALL SELECT 'messages', id::text FROM messages
      WHERE project_id = ${projectId} AND (conversation_id IN (SELECT id FROM owned_conversations) OR identity_id IN (SELECT id FROM owned_identities))
    UNION ALL SELECT 'merges', id::text FROM merges
      WHERE project_id = ${projectId} AND (from_contact_id IN (SELECT id FROM family) OR to_contact_id IN (SELECT id FROM family))`.execute(db);
  const ids: PersonIds = { contacts: [], identities: [], conversations: [], messages: [], merges: [] };
  for (const row of rows) ids[row.kind].push(row.id);
  return ids;
}

/**
 * Tables of the catalog that name a contact, identity, conversation or message by one of the usual
 * columns but are not in PERSON_TABLES (tables added later): an export shows them and an erasure
 * clears them too.
 */
async function otherPersonTables(db: Db | Tx): Promise<PersonTable[]> {
  const known = new Set([...PERSON_TABLES.map((t) => t.table), ...NOT_PERSON_DATA]);
  const { rows } = await sql<{ table_name: string; column_name: string }>`
    SELECT c.table_name, c.column_name FROM information_schema.columns c
    JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name AND t.table_type = 'BASE TABLE'
    WHERE c.table_schema = current_schema() AND c.column_name IN (${sql.join(Object.keys(ID_COLUMNS))}) AND c.data_type = 'uuid'
      AND EXISTS (SELECT 1 FROM information_schema.columns p WHERE p.table_schema = c.table_schema AND p.table_name = c.table_name AND p.column_name = 'project_id')
    ORDER BY c.table_name, c.column_name`.execute(db);
  const columns = new Map<string, string[]>();
  for (const row of rows) if (!known.has(row.table_name)) columns.set(row.table_name, [...(columns.get(row.table_name) ?? []), row.column_name]);
  return [...columns].map(([table, names]) => ({
    table,
    key: table,
    where: (ids) => sql.join(names.map((name) => sql`${sql.ref(name)} = ANY(${any(ids[ID_COLUMNS[name]])})`), sql` OR `),
  }));
}

const inProject = (table: PersonTable, ids: PersonIds, projectId: string) => sql`project_id = ${projectId} AND (${table.where(ids, projectId)})`;

/** Every row of the person, by export key: the known tables, then `other` for tables added later. */
export async function selectPersonRows(
  db: Db | Tx,
  projectId: string,
  ids: PersonIds,
): Promise<{ rows: Record<string, Array<Record<string, unknown>>>; other: Record<string, Array<Record<string, unknown>>> }> {
  const read = async (table: PersonTable) => {
    const { rows } = await sql<Record<string, unknown>>`SELECT * FROM ${sql.table(table.table)} WHERE ${inProject(table, ids, projectId)}`.execute(db);
    for (const row of rows) {
      for (const column of table.hidden ?? []) delete row[column];
      for (const [column, value] of Object.entries(row)) if (typeof value === 'bigint') row[column] = value.toString(); // JSON has no bigint
    }
    return rows;
  };
  const rows: Record<string, Array<Record<string, unknown>>> = {};
  for (const table of PERSON_TABLES) if (table.key !== null) rows[table.key] = await read(table);
  const other: Record<string, Array<Record<string, unknown>>> = {};
  for (const table of await otherPersonTables(db)) other[table.key!] = await read(table);
  return { rows, other };
}

/** Deletes every row of the person; answers how many of each table. Tables added later go first, since they point at the known ones. */
export async function deletePersonRows(tx: Tx, projectId: string, ids: PersonIds): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of [...(await otherPersonTables(tx)), ...PERSON_TABLES]) {
    const result = await sql`DELETE FROM ${sql.table(table.table)} WHERE ${inProject(table, ids, projectId)}`.execute(tx);
    const deleted = Number(result.numAffectedRows ?? 0n);
    if (deleted > 0) counts[table.table] = deleted;
  }
  return counts;
}

/** The audit entry of an erasure: ids and counts, no personal data. */
export async function insertErasure(
  tx: Tx,
  projectId: string,
  e: { id: string; contactId: string; erasedContactIds: string[]; erased: Record<string, number>; actor: string; at: Date },
): Promise<void> {
  await tx
    .insertInto('contact_erasures')
    .values({
      project_id: projectId,
      id: e.id,
      contact_id: e.contactId,
      erased_contact_ids: jsonb(e.erasedContactIds),
      erased: jsonb(e.erased),
      actor: e.actor,
      created_at: e.at,
    })
    .execute();
}
