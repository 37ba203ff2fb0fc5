import { sql } from 'kysely';
import { newId } from '../ids.js';
import type { Db, Tx } from './database.js';

// messages and their attachments: inbound and outbound inserts, the list of a conversation.

export interface InboundMessage {
  projectId: string;
  contactId: string;
  botId: string;
  channel: string;
  identityId: string;
  text: string | null;
  payload: string | null;
  externalMessageId: string | null;
  /** an ad or campaign referral that came with the message: a fact, not an identity */
  referral?: Record<string, string> | null;
}

export interface StoredMessage {
  conversation_id: string;
  /** null when the platform message id was seen before: nothing new was stored. */
  message_id: string | null;
  duplicate_of: string | null;
}

/**
 * Stores an inbound message in the contact's conversation on that bot (the most recently active one,
 * created when there is none), in one statement. A platform message id seen before from this identity
 * stores nothing; only inbound ids count (a reply may carry the same number in the messenger).
 * The caller holds the contact's lock, so two messages cannot both create the conversation.
 */
export async function insertInboundMessage(tx: Tx, m: InboundMessage, ids: { conversationId: string; messageId: string }): Promise<StoredMessage> {
  return (await insertInboundMessageQuery(m, ids).execute(tx)).rows[0];
}

/** The statement itself, also run by `npm run bench` under pgbench as the floor. */
export function insertInboundMessageQuery(m: InboundMessage, ids: { conversationId: string; messageId: string }) {
  const p = m.projectId;
  return sql<StoredMessage>`
    WITH seen AS (
      SELECT id, conversation_id FROM messages
      WHERE project_id = ${p} AND identity_id = ${m.identityId} AND external_message_id = ${m.externalMessageId} AND direction = 'in'
    ), existing AS (
      SELECT id FROM conversations
      WHERE project_id = ${p} AND contact_id = ${m.contactId} AND bot_id = ${m.botId}
      ORDER BY last_message_at DESC NULLS LAST, id DESC LIMIT 1
    ), created AS (
      INSERT INTO conversations (project_id, id, contact_id, bot_id, channel, last_message_at)
      SELECT ${p}, ${ids.conversationId}, ${m.contactId}, ${m.botId}, ${m.channel}, now()
      WHERE NOT EXISTS (SELECT 1 FROM existing) AND NOT EXISTS (SELECT 1 FROM seen)
      RETURNING id
    ), target AS (
      SELECT id FROM existing UNION ALL SELECT id FROM created
    ), stored AS (
      INSERT INTO messages (project_id, id, conversation_id, identity_id, direction, text, payload, external_message_id, referral)
      SELECT ${p}, ${ids.messageId}, target.id, ${m.identityId}, 'in', ${m.text}, ${m.payload}, ${m.externalMessageId}, ${m.referral ? JSON.stringify(m.referral) : null}::jsonb
      FROM target WHERE NOT EXISTS (SELECT 1 FROM seen)
      ON CONFLICT (project_id, identity_id, external_message_id) WHERE external_message_id IS NOT NULL AND direction = 'in' DO NOTHING
      RETURNING id, conversation_id
    ), bumped AS (
      UPDATE conversations v SET last_message_at = now()
      FROM stored, existing
      WHERE v.project_id = ${p} AND v.id = existing.id AND stored.conversation_id = existing.id
    )
    SELECT coalesce((SELECT conversation_id FROM stored), (SELECT conversation_id FROM seen), (SELECT id FROM target LIMIT 1)) AS conversation_id,
           (SELECT id FROM stored) AS message_id,
           (SELECT id FROM seen) AS duplicate_of
  `;
}

export interface MessageRow {
  id: string;
  conversation_id: string;
  identity_id: string | null;
  direction: 'in' | 'out';
  text: string | null;
  payload: string | null;
  external_message_id: string | null;
  delivery_state: string | null;
  delivery_error: string | null;
  referral: Record<string, string> | null;
  attachments: AttachmentRow[];
  created_at: Date;
}

/** A file, image, location or shared contact that came with a message (docs/messengers.md). */
export interface AttachmentRow {
  id: string;
  type: string;
  /** where the file is, or a `geo:` / `tel:` URI for locations and shared contacts */
  url: string | null;
  /** the messenger's own id of the file (Telegram file_id, LINE message id, WhatsApp media id) */
  file_id: string | null;
  mime_type: string | null;
  size: number | null;
  name: string | null;
}

export async function insertAttachments(tx: Tx, projectId: string, messageId: string, attachments: Array<Omit<AttachmentRow, 'id'>>): Promise<void> {
  if (attachments.length === 0) return;
  await tx
    .insertInto('message_attachments')
    .values(
      attachments.map((a) => ({
        project_id: projectId,
        id: newId(),
        message_id: messageId,
        type: a.type,
        url: a.url,
        file_id: a.file_id,
        mime_type: a.mime_type,
        size: a.size,
        name: a.name,
      })),
    )
    .execute();
}

const attachmentsOf = sql<AttachmentRow[]>`coalesce((
  SELECT json_agg(json_build_object('id', a.id, 'type', a.type, 'url', a.url, 'file_id', a.file_id, 'mime_type', a.mime_type, 'size', a.size, 'name', a.name) ORDER BY a.id)
  FROM message_attachments a WHERE a.project_id = messages.project_id AND a.message_id = messages.id
), '[]'::json)`;

export async function selectMessages(
  db: Db,
  projectId: string,
  conversationId: string,
  page: { after: string | null; limit: number; order: 'asc' | 'desc' },
): Promise<MessageRow[]> {
  let query = db
    .selectFrom('messages')
    .select(['id', 'conversation_id', 'identity_id', 'direction', 'text', 'payload', 'external_message_id', 'delivery_state', 'delivery_error', 'referral', 'created_at'])
    .select(attachmentsOf.as('attachments'))
    .where('project_id', '=', projectId)
    .where('conversation_id', '=', conversationId)
    .orderBy('id', page.order)
    .limit(page.limit);
  if (page.after) query = query.where('id', page.order === 'asc' ? '>' : '<', page.after);
  return query.execute();
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
