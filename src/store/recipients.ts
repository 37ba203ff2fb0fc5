import { sql } from 'kysely';
import type { Channel } from '../domain/channels.js';
import type { Db } from './database.js';

// Who an outgoing message goes to, and which channels' windows are open (docs/messengers.md).

export interface Recipient {
  conversation_id: string;
  contact_id: string;
  bot_id: string;
  channel: Channel;
  identity_id: string | null;
  external_user_id: string | null;
  last_inbound_at: Date | null;
  subscribed: boolean | null;
  /** the messenger said this client cannot be written to (e.g. blocked the bot), and why */
  unreachable_at: Date | null;
  unreachable_reason: string | null;
}

/**
 * Who a message in this conversation goes to: the identity that last wrote in it (docs/concepts.md: the rare
 * person with two accounts on one bot is answered in the right one), else the contact's most recently
 * active identity on that bot. Undefined when there is no such conversation.
 */
export async function selectRecipient(db: Db, projectId: string, conversationId: string): Promise<Recipient | undefined> {
  const result = await sql<Recipient>`
    SELECT v.id AS conversation_id, v.contact_id, v.bot_id, v.channel,
           i.id AS identity_id, i.external_user_id, i.last_inbound_at, i.subscribed, i.unreachable_at, i.unreachable_reason
    FROM conversations v
    LEFT JOIN LATERAL (
      SELECT i.id, i.external_user_id, i.last_inbound_at, i.subscribed, i.unreachable_at, i.unreachable_reason FROM identities i
      WHERE i.project_id = v.project_id AND i.bot_id = v.bot_id AND i.contact_id = v.contact_id
      ORDER BY i.id = (
          SELECT m.identity_id FROM messages m
          WHERE m.project_id = v.project_id AND m.conversation_id = v.id AND m.direction = 'in' AND m.identity_id IS NOT NULL
          ORDER BY m.id DESC LIMIT 1
        ) DESC NULLS LAST,
        i.last_inbound_at DESC NULLS LAST
      LIMIT 1
    ) i ON true
    WHERE v.project_id = ${projectId} AND v.id = ${conversationId}
  `.execute(db);
  const row = result.rows[0];
  return row && recipientDates(row);
}

function recipientDates<T extends Recipient>(row: T): T {
  const date = (value: Date | null) => (value === null ? null : new Date(value));
  return { ...row, last_inbound_at: date(row.last_inbound_at), unreachable_at: date(row.unreachable_at) };
}

/** An outgoing message with the identity it goes to, as its conversation now is (for a retry). */
export async function selectMessageRecipient(db: Db, projectId: string, messageId: string): Promise<(Recipient & { direction: string; delivery_state: string | null }) | undefined> {
  const result = await sql<Recipient & { direction: string; delivery_state: string | null }>`
    SELECT m.direction, m.delivery_state, v.id AS conversation_id, v.contact_id, v.bot_id, v.channel,
           i.id AS identity_id, i.external_user_id, i.last_inbound_at, i.subscribed, i.unreachable_at, i.unreachable_reason
    FROM messages m
    JOIN conversations v ON v.project_id = m.project_id AND v.id = m.conversation_id
    LEFT JOIN identities i ON i.project_id = m.project_id AND i.id = m.identity_id
    WHERE m.project_id = ${projectId} AND m.id = ${messageId}
  `.execute(db);
  const row = result.rows[0];
  return row && recipientDates(row);
}

/** The contact's identities as the window sees them, to say which channels are open. */
export async function selectWindowStates(db: Db, projectId: string, contactId: string) {
  return db
    .selectFrom('identities as i')
    .innerJoin('bots as b', (join) => join.onRef('b.project_id', '=', 'i.project_id').onRef('b.id', '=', 'i.bot_id'))
    .select(['b.channel', 'i.last_inbound_at', 'i.subscribed', 'i.unreachable_at'])
    .where('i.project_id', '=', projectId)
    .where('i.contact_id', '=', contactId)
    .execute() as Promise<Array<{ channel: Channel; last_inbound_at: Date | null; subscribed: boolean | null; unreachable_at: Date | null }>>;
}
