import { sql } from 'kysely';
import type { Channel } from '../domain/channels.js';
import { newId } from '../ids.js';
import type { Db, Tx } from './database.js';

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

export interface ConversationRow {
  id: string;
  contact_id: string;
  bot_id: string;
  channel: Channel;
  created_at: Date;
  last_message_at: Date | null;
  messages_count: number;
  referral: Record<string, string> | null;
  last_message: { text: string | null; direction: 'in' | 'out'; attachment_types: string[]; created_at: Date } | null;
  assignee: { id: string; name: string } | null;
}

export async function selectConversations(
  db: Db,
  projectId: string,
  contactId: string | null,
  page: { after: string | null; limit: number; assigneeId?: string },
): Promise<ConversationRow[]> {
  let query = db
    .selectFrom('conversations as v')
    .select(['v.id', 'v.contact_id', 'v.bot_id', 'v.channel', 'v.created_at', 'v.last_message_at'])
    .select((eb) =>
      eb
        .selectFrom('messages as m')
        .select(sql<number>`count(*)::int`.as('n'))
        .whereRef('m.project_id', '=', 'v.project_id')
        .whereRef('m.conversation_id', '=', 'v.id')
        .as('messages_count'),
    )
    .select(
      sql<Record<string, string> | null>`(
        SELECT m.referral FROM messages m
        WHERE m.project_id = v.project_id AND m.conversation_id = v.id AND m.referral IS NOT NULL
        ORDER BY m.id DESC LIMIT 1
      )`.as('referral'),
    )
    .select(
      sql<ConversationRow['last_message']>`(
        SELECT json_build_object('text', m.text, 'direction', m.direction, 'created_at', m.created_at, 'attachment_types', coalesce((
          SELECT json_agg(a.type ORDER BY a.id) FROM message_attachments a WHERE a.project_id = m.project_id AND a.message_id = m.id
        ), '[]'::json))
        FROM messages m WHERE m.project_id = v.project_id AND m.conversation_id = v.id
        ORDER BY m.id DESC LIMIT 1
      )`.as('last_message'),
    )
    .select(
      sql<ConversationRow['assignee']>`(
        SELECT json_build_object('id', o.id, 'name', o.name) FROM operators o WHERE o.project_id = v.project_id AND o.id = v.assignee_id
      )`.as('assignee'),
    )
    .where('v.project_id', '=', projectId)
    .orderBy('v.id', 'desc')
    .limit(page.limit);
  if (contactId !== null) query = query.where('v.contact_id', '=', contactId);
  if (page.assigneeId) query = query.where('v.assignee_id', '=', page.assigneeId);
  if (page.after) query = query.where('v.id', '<', page.after);
  return (await query.execute()) as ConversationRow[];
}

export async function selectConversation(db: Db, projectId: string, conversationId: string) {
  return db
    .selectFrom('conversations')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', conversationId)
    .executeTakeFirst();
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
