import { sql } from 'kysely';
import type { Db, Tx } from './database.js';

// inbound resolution step 1–2 (docs/concepts.md), the hot path of inbound resolution: one statement for a known identity, one for a
// new one. Lock order everywhere: contacts, then identities, conversations, messages.

export interface IdentityKey {
  projectId: string;
  botId: string;
  externalUserId: string;
}

/** What the client's messenger says about them; null fields say nothing. */
export interface ProfileValues {
  name: string | null;
  username: string | null;
  phone: string | null;
  email: string | null;
}

export interface ResolvedIdentity {
  identity_id: string;
  contact_id: string;
  contact_changed: boolean;
}

/**
 * Locks the contact that owns the identity, then records the inbound contact on the identity and fills
 * the contact's empty name, phone and e-mail from the profile. Answers nothing when the identity is
 * unknown, or when a merge moved it to another contact while this waited for the lock (call again).
 */
export async function touchKnownIdentity(tx: Tx, key: IdentityKey, profile: ProfileValues): Promise<ResolvedIdentity | undefined> {
  return (await touchKnownIdentityQuery(key, profile).execute(tx)).rows[0];
}

/** The statement itself, also run by `npm run bench` under pgbench as the floor. */
export function touchKnownIdentityQuery(key: IdentityKey, profile: ProfileValues) {
  const { projectId: p, botId: b, externalUserId: e } = key;
  const { name, username, phone, email } = profile;
  const contactName = name ?? username;
  return sql<ResolvedIdentity>`
    WITH owner AS (
      SELECT c.id FROM contacts c
      WHERE c.project_id = ${p} AND c.state = 'active'
        AND c.id = (SELECT i.contact_id FROM identities i WHERE i.project_id = ${p} AND i.bot_id = ${b} AND i.external_user_id = ${e})
      FOR NO KEY UPDATE
    ), identity AS (
      UPDATE identities i
      SET last_inbound_at = now(),
          name = coalesce(${name}, i.name), username = coalesce(${username}, i.username),
          phone = coalesce(${phone}, i.phone), email = coalesce(${email}, i.email)
      FROM owner
      WHERE i.project_id = ${p} AND i.bot_id = ${b} AND i.external_user_id = ${e} AND i.contact_id = owner.id
      RETURNING i.id, i.contact_id
    ), filled AS (
      UPDATE contacts c
      SET name = coalesce(c.name, ${contactName}), phone = coalesce(c.phone, ${phone}), email = coalesce(c.email, ${email}),
          updated_at = now()
      FROM identity
      WHERE c.project_id = ${p} AND c.id = identity.contact_id
        AND ((c.name IS NULL AND ${contactName}::text IS NOT NULL)
          OR (c.phone IS NULL AND ${phone}::text IS NOT NULL)
          OR (c.email IS NULL AND ${email}::text IS NOT NULL))
      RETURNING c.id
    )
    SELECT identity.id AS identity_id, identity.contact_id, EXISTS (SELECT 1 FROM filled) AS contact_changed
    FROM identity
  `;
}

/**
 * Creates the identity and, in the same statement, its new contact. When a concurrent transaction
 * created the identity first, this waits for it and answers nothing (then the identity is known).
 */
export async function insertIdentityWithContact(
  tx: Tx,
  key: IdentityKey,
  profile: ProfileValues,
  ids: { identityId: string; contactId: string },
): Promise<{ identity_id: string; contact_id: string } | undefined> {
  const { projectId: p, botId: b, externalUserId: e } = key;
  const { name, username, phone, email } = profile;
  const result = await sql<{ identity_id: string; contact_id: string }>`
    WITH identity AS (
      INSERT INTO identities (project_id, id, contact_id, bot_id, external_user_id, name, username, phone, email, last_inbound_at)
      VALUES (${p}, ${ids.identityId}, ${ids.contactId}, ${b}, ${e}, ${name}, ${username}, ${phone}, ${email}, now())
      ON CONFLICT (project_id, bot_id, external_user_id) DO NOTHING
      RETURNING id, contact_id
    ), contact AS (
      INSERT INTO contacts (project_id, id, name, phone, email)
      SELECT ${p}, identity.contact_id, ${name ?? username}, ${phone}, ${email} FROM identity
      RETURNING id
    )
    SELECT identity.id AS identity_id, identity.contact_id FROM identity
  `.execute(tx);
  return result.rows[0];
}

/** Records who subscribed to or left a bot (Viber's window is open while subscribed), in one statement. */
export async function recordSubscriptions(
  db: Db,
  projectId: string,
  botId: string,
  changes: ReadonlyArray<{ externalUserId: string; subscribed: boolean }>,
): Promise<void> {
  const latest = new Map(changes.map((c) => [c.externalUserId, c.subscribed]));
  if (latest.size === 0) return;
  const rows = sql.join([...latest].map(([user, subscribed]) => sql`(${user}::text, ${subscribed}::boolean)`));
  await sql`
    UPDATE identities i SET subscribed = v.subscribed
    FROM (VALUES ${rows}) AS v (external_user_id, subscribed)
    WHERE i.project_id = ${projectId} AND i.bot_id = ${botId} AND i.external_user_id = v.external_user_id
  `.execute(db);
}
