import { sql } from 'kysely';
import type { Channel } from '../domain/channels.js';
import type { BotRow } from './bots.js';
import type { MessageRow } from './conversations.js';
import type { Db, Tx } from './database.js';

// Messenger webhooks and outbound messages (docs/messengers.md, docs/links.md).

/**
 * The connected bot a messenger's webhook names by id alone: it cannot send our API key, so no project
 * yet. A disconnected bot is not found: its webhooks answer as for an unknown bot.
 */
export async function selectBotById(db: Db, botId: string): Promise<BotRow | undefined> {
  return db.selectFrom('bots').selectAll().where('id', '=', botId).where('disconnected_at', 'is', null).executeTakeFirst();
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

export interface OutboundMessage {
  projectId: string;
  id: string;
  conversationId: string;
  identityId: string;
  text: string;
  /** `queued` for the sending worker (given up after `giveUpMs`), `handed_over` to the host */
  deliveryState: 'queued' | 'handed_over';
  giveUpMs?: number;
}

// Outbound texts carry no attachments yet; the answer has the same shape as a listed message.
export const MESSAGE_COLUMNS = sql.raw("id, conversation_id, identity_id, direction, text, payload, external_message_id, delivery_state, delivery_error, referral, created_at, '[]'::json AS attachments");

/** Stores an outbound message and marks the conversation active, in one statement. */
export async function insertOutboundMessage(db: Db | Tx, m: OutboundMessage): Promise<MessageRow> {
  const queued = m.deliveryState === 'queued';
  const result = await sql<MessageRow>`
    WITH stored AS (
      INSERT INTO messages (project_id, id, conversation_id, identity_id, direction, text, delivery_state, send_next_at, send_give_up_at)
      VALUES (${m.projectId}, ${m.id}, ${m.conversationId}, ${m.identityId}, 'out', ${m.text}, ${m.deliveryState},
        ${queued ? sql`now()` : null}, ${queued ? sql`now() + ${m.giveUpMs ?? 0}::int * interval '1 millisecond'` : null})
      RETURNING ${MESSAGE_COLUMNS}
    ), bumped AS (
      UPDATE conversations SET last_message_at = now() WHERE project_id = ${m.projectId} AND id = ${m.conversationId}
    )
    SELECT ${MESSAGE_COLUMNS} FROM stored
  `.execute(db);
  return result.rows[0];
}
