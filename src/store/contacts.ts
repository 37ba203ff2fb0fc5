import { sql } from 'kysely';
import type { Db, Tx } from './database.js';
import { jsonb, recordset } from './sql.js';

export interface ContactFields {
  name: string | null;
  phone: string | null;
  email: string | null;
  external_id: string | null;
  variables: Record<string, unknown>;
}

export interface ContactRow extends ContactFields {
  id: string;
  state: 'active' | 'merged';
  merged_into: string | null;
  preferences: Record<string, unknown>;
  tags: string[];
  /** secondary phones and e-mails a merge kept (docs/merging.md); lookups and rules find the contact by them too */
  alternates: { phones: string[]; emails: string[] };
  created_at: Date;
  updated_at: Date;
}

export interface IdentityRow {
  id: string;
  bot_id: string;
  channel: string;
  bot_handle: string;
  external_user_id: string;
  name: string | null;
  username: string | null;
  last_inbound_at: Date | null;
  subscribed: boolean | null;
  unreachable_at: Date | null;
  unreachable_reason: string | null;
  created_at: Date;
  /** false once the bot is disconnected (DELETE /v1/bots/{id}) */
  bot_connected: boolean;
}

export interface ContactCardRow extends ContactRow {
  identities: IdentityRow[];
  conversations_count: number;
}

export const tagsOf = sql<string[]>`coalesce((
  SELECT json_agg(t.tag ORDER BY t.tag) FROM contact_tags t WHERE t.project_id = c.project_id AND t.contact_id = c.id
), '[]'::json)`;

const alternatesOf = (kind: 'phone' | 'email') => sql`coalesce((
  SELECT json_agg(a.value ORDER BY a.value) FROM contact_alternates a
  WHERE a.project_id = c.project_id AND a.contact_id = c.id AND a.kind = ${kind} AND a.value IS DISTINCT FROM c.${sql.raw(kind)}
), '[]'::json)`;
export const alternatesOfContact = sql<ContactRow['alternates']>`json_build_object('phones', ${alternatesOf('phone')}, 'emails', ${alternatesOf('email')})`;

/**
 * Where a merged contact went: the end of its chain (A→B, then B→C answers C). The row keeps the
 * contact it was merged into, so a merge never writes the rows merged before it.
 */
export const survivorOf = sql<string | null>`CASE WHEN c.merged_into IS NULL THEN NULL ELSE (
  WITH RECURSIVE chain (id, merged_into, depth) AS (
    SELECT c.id, c.merged_into, 0
    UNION ALL
    SELECT n.id, n.merged_into, chain.depth + 1 FROM contacts n JOIN chain ON n.project_id = c.project_id AND n.id = chain.merged_into
    WHERE chain.depth < 1000
  )
  SELECT id FROM chain WHERE merged_into IS NULL
) END`;

export const CONTACT_COLUMNS = [
  'c.id', 'c.state', 'c.name', 'c.phone', 'c.email', 'c.external_id', 'c.variables', 'c.preferences',
  'c.created_at', 'c.updated_at',
] as const;

export async function insertContact(tx: Tx, projectId: string, id: string, fields: ContactFields, tags: string[]): Promise<void> {
  await tx
    .insertInto('contacts')
    .values({ project_id: projectId, id, ...fields, variables: jsonb(fields.variables) })
    .execute();
  await replaceTags(tx, projectId, id, tags);
}

/**
 * Contacts as the JSON array `jsonb_to_recordset` reads (an import's batch), with their tags: only those
 * not there yet, and the tags of those only; answers how many were new.
 */
export async function insertContactBatch(tx: Tx, projectId: string, contactsJson: string, tags: Array<{ contact_id: string; tag: string }>): Promise<number> {
  const { rows } = await sql<{ id: string }>`
    INSERT INTO contacts (project_id, id, name, phone, email, external_id, variables)
    SELECT ${projectId}, r.id, r.name, r.phone, r.email, r.external_id, r.variables
    FROM jsonb_to_recordset(${contactsJson}::jsonb) AS r(id uuid, name text, phone text, email text, external_id text, variables jsonb)
    ON CONFLICT (project_id, id) DO NOTHING
    RETURNING id
  `.execute(tx);
  const inserted = new Set(rows.map((row) => row.id));
  await insertTags(tx, projectId, tags.filter((tag) => inserted.has(tag.contact_id)));
  return rows.length;
}

export async function updateContactFields(tx: Tx, projectId: string, id: string, fields: Partial<ContactFields>): Promise<void> {
  const { variables, ...plain } = fields;
  await tx
    .updateTable('contacts')
    .set({ ...plain, ...(variables ? { variables: jsonb(variables) } : {}), updated_at: sql`now()` })
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .execute();
}

export async function replaceTags(tx: Tx, projectId: string, contactId: string, tags: string[]): Promise<void> {
  await tx.deleteFrom('contact_tags').where('project_id', '=', projectId).where('contact_id', '=', contactId).execute();
  await insertTags(tx, projectId, tags.map((tag) => ({ contact_id: contactId, tag })));
}

/** Tags of any number of contacts in one statement; a tag a contact has already stays once. */
export async function insertTags(tx: Tx, projectId: string, tags: Array<{ contact_id: string; tag: string }>): Promise<void> {
  if (tags.length === 0) return;
  await sql`
    INSERT INTO contact_tags (project_id, contact_id, tag)
    SELECT ${projectId}, r.contact_id, r.tag FROM ${recordset(tags, 'r(contact_id uuid, tag text)')}
    ON CONFLICT DO NOTHING
  `.execute(tx);
}

/** Locks an active contact for a change; undefined when there is no such active contact. */
export async function lockContact(tx: Tx, projectId: string, id: string): Promise<{ id: string; state: string } | undefined> {
  return tx
    .selectFrom('contacts')
    .select(['id', 'state'])
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .forNoKeyUpdate()
    .executeTakeFirst();
}

/** The contact card in one statement: fields, tags, identities with their bots, conversations count. */
export async function selectContactCard(db: Db | Tx, projectId: string, id: string): Promise<ContactCardRow | undefined> {
  const row = await db
    .selectFrom('contacts as c')
    .select(CONTACT_COLUMNS)
    .select(survivorOf.as('merged_into'))
    .select(tagsOf.as('tags'))
    .select(alternatesOfContact.as('alternates'))
    .select(
      sql<IdentityRow[]>`coalesce((
        SELECT json_agg(json_build_object(
          'id', i.id, 'bot_id', i.bot_id, 'channel', b.channel, 'bot_handle', b.handle,
          'external_user_id', i.external_user_id, 'name', i.name, 'username', i.username,
          'last_inbound_at', i.last_inbound_at, 'subscribed', i.subscribed, 'created_at', i.created_at,
          'bot_connected', b.disconnected_at IS NULL,
          'unreachable_at', i.unreachable_at, 'unreachable_reason', i.unreachable_reason) ORDER BY i.id)
        FROM identities i JOIN bots b ON b.project_id = i.project_id AND b.id = i.bot_id
        WHERE i.project_id = c.project_id AND i.contact_id = c.id
      ), '[]'::json)`.as('identities'),
    )
    .select(sql<number>`(SELECT count(*)::int FROM conversations v WHERE v.project_id = c.project_id AND v.contact_id = c.id)`.as('conversations_count'))
    .where('c.project_id', '=', projectId)
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    ...row,
    identities: row.identities.map((i) => ({
      ...i,
      last_inbound_at: i.last_inbound_at ? new Date(i.last_inbound_at) : null,
      unreachable_at: i.unreachable_at ? new Date(i.unreachable_at) : null,
      created_at: new Date(i.created_at),
    })),
  };
}

export interface ContactFilter {
  phone?: string;
  email?: string;
  external_id?: string;
  q?: string;
}

/** Active contacts, newest first, matching every filter given; `after` is the last id of the previous page. */
export async function selectContacts(db: Db, projectId: string, filter: ContactFilter, page: { after: string | null; limit: number }): Promise<ContactRow[]> {
  let query = db
    .selectFrom('contacts as c')
    .select(CONTACT_COLUMNS)
    .select(survivorOf.as('merged_into'))
    .select(tagsOf.as('tags'))
    .select(alternatesOfContact.as('alternates'))
    .where('c.project_id', '=', projectId)
    .where('c.state', '=', 'active')
    .orderBy('c.id', 'desc')
    .limit(page.limit);
  if (filter.phone !== undefined) query = query.where('c.id', 'in', contactIdsWith(projectId, 'phone', filter.phone));
  if (filter.email !== undefined) query = query.where('c.id', 'in', contactIdsWith(projectId, 'email', filter.email));
  if (filter.external_id !== undefined) query = query.where('c.external_id', '=', filter.external_id);
  if (filter.q !== undefined) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb('c.name', 'ilike', pattern),
        eb.exists(
          eb
            .selectFrom('identities as i')
            .select(sql`1`.as('one'))
            .whereRef('i.project_id', '=', 'c.project_id')
            .whereRef('i.contact_id', '=', 'c.id')
            .where((w) => w.or([w('i.username', 'ilike', pattern), w('i.name', 'ilike', pattern)])),
        ),
      ]),
    );
  }
  if (page.after) query = query.where('c.id', '<', page.after);
  return query.execute();
}

/** Contacts whose phone or e-mail is the value, or keep it as an alternate: one index probe each. */
export function contactIdsWith(projectId: string, kind: 'phone' | 'email', value: string) {
  return sql<string>`(
    SELECT id FROM contacts WHERE project_id = ${projectId} AND ${sql.ref(kind)} = ${value} AND state = 'active'
    UNION ALL
    SELECT contact_id FROM contact_alternates WHERE project_id = ${projectId} AND kind = ${kind} AND value = ${value}
  )`;
}

export async function contactExists(db: Db | Tx, projectId: string, id: string): Promise<boolean> {
  const row = await db.selectFrom('contacts').select('id').where('project_id', '=', projectId).where('id', '=', id).executeTakeFirst();
  return row !== undefined;
}

/** Where each contact lives now: itself when active, else the end of its chain of merges. */
export async function selectSurvivors(tx: Tx, projectId: string, ids: string[]): Promise<Map<string, string>> {
  const { rows } = await sql<{ start: string; survivor: string }>`
    WITH RECURSIVE chain (start, id, merged_into, depth) AS (
      SELECT c.id, c.id, c.merged_into, 0 FROM contacts c WHERE c.project_id = ${projectId} AND c.id = ANY(${ids}::uuid[])
      UNION ALL
      SELECT chain.start, n.id, n.merged_into, chain.depth + 1
      FROM contacts n JOIN chain ON n.project_id = ${projectId} AND n.id = chain.merged_into
      WHERE chain.depth < 1000
    )
    SELECT start, id AS survivor FROM chain WHERE merged_into IS NULL
  `.execute(tx);
  return new Map(rows.map((r) => [r.start, r.survivor]));
}

/** Contacts by id, as the list answers them, in no particular order (likely duplicates: the candidates found). */
export async function selectContactsByIds(db: Db | Tx, projectId: string, ids: string[]): Promise<ContactRow[]> {
  if (ids.length === 0) return [];
  return db
    .selectFrom('contacts as c')
    .select(CONTACT_COLUMNS)
    .select(survivorOf.as('merged_into'))
    .select(tagsOf.as('tags'))
    .select(alternatesOfContact.as('alternates'))
    .where('c.project_id', '=', projectId)
    .where('c.id', 'in', ids)
    .execute();
}
