import { sql } from 'kysely';
import type { Channel } from '../domain/channels.js';
import type { Db } from './database.js';

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
