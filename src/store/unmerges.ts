import { sql } from 'kysely';
import type { Tx } from './database.js';

// docs/merging.md unmerge: one identity untied from its contact into a new one, with its messages.

export interface UnmergeCandidate {
  id: string;
  bot_id: string;
  channel: string;
  name: string | null;
  username: string | null;
}

/** The contact's identities, the one the client wrote from last first. */
export async function selectIdentitiesByRecentInbound(tx: Tx, projectId: string, contactId: string): Promise<UnmergeCandidate[]> {
  return tx
    .selectFrom('identities as i')
    .innerJoin('bots as b', (j) => j.onRef('b.project_id', '=', 'i.project_id').onRef('b.id', '=', 'i.bot_id'))
    .select(['i.id', 'i.bot_id', 'b.channel', 'i.name', 'i.username'])
    .where('i.project_id', '=', projectId)
    .where('i.contact_id', '=', contactId)
    .orderBy(sql`i.last_inbound_at DESC NULLS LAST`)
    .orderBy('i.id', 'desc')
    .execute();
}

export interface UntieIdentity {
  projectId: string;
  fromContactId: string;
  toContactId: string;
  identity: UnmergeCandidate;
  /** used when the identity's messages share a conversation with others and need one of their own */
  newConversationId: string;
}

/**
 * Moves the identity to the new contact with its messages, in one statement: a conversation that holds
 * only its messages goes whole; from a shared one its messages move into one new conversation on its bot.
 */
export async function untieIdentity(tx: Tx, u: UntieIdentity): Promise<{ conversations: number; messages: number }> {
  const { projectId: p, fromContactId: from, toContactId: to, identity: i } = u;
  const { rows } = await sql<{ conversations: number; messages: number }>`
    WITH identity AS (
      UPDATE identities SET contact_id = ${to} WHERE project_id = ${p} AND id = ${i.id} AND contact_id = ${from} RETURNING id
    ), theirs AS (
      SELECT v.id, bool_and(coalesce(m.identity_id = ${i.id}, false)) AS only_theirs, count(*) FILTER (WHERE m.identity_id = ${i.id}) AS n
      FROM conversations v JOIN messages m ON m.project_id = v.project_id AND m.conversation_id = v.id
      WHERE v.project_id = ${p} AND v.contact_id = ${from}
      GROUP BY v.id HAVING bool_or(m.identity_id = ${i.id})
    ), whole AS (
      UPDATE conversations v SET contact_id = ${to} FROM theirs
      WHERE v.project_id = ${p} AND v.id = theirs.id AND theirs.only_theirs
      RETURNING v.id
    ), created AS (
      INSERT INTO conversations (project_id, id, contact_id, bot_id, channel, last_message_at)
      SELECT ${p}, ${u.newConversationId}, ${to}, ${i.bot_id}, ${i.channel},
        (SELECT max(m.created_at) FROM messages m
         WHERE m.project_id = ${p} AND m.identity_id = ${i.id} AND m.conversation_id IN (SELECT id FROM theirs WHERE NOT only_theirs))
      WHERE EXISTS (SELECT 1 FROM theirs WHERE NOT only_theirs)
      RETURNING id
    ), split AS (
      UPDATE messages m SET conversation_id = created.id FROM created
      WHERE m.project_id = ${p} AND m.identity_id = ${i.id} AND m.conversation_id IN (SELECT id FROM theirs WHERE NOT only_theirs)
      RETURNING m.id
    )
    SELECT (SELECT count(*) FROM whole)::int + (SELECT count(*) FROM created)::int AS conversations,
           (SELECT coalesce(sum(n), 0) FROM theirs)::int AS messages
    FROM identity
  `.execute(tx);
  return rows[0] ?? { conversations: 0, messages: 0 };
}
