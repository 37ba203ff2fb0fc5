import { sql } from 'kysely';
import type { Db } from './database.js';

// What the live stream reads besides published events (docs/events.md): messages as they are stored.

export interface LiveMessage {
  id: string;
  conversation_id: string;
  contact_id: string;
  direction: 'in' | 'out';
}

/** The project's messages with ids after `after` (ids grow with time: uuid v7), oldest first. */
export async function selectMessagesAfter(db: Db, projectId: string, after: string, limit: number): Promise<LiveMessage[]> {
  return db
    .selectFrom('messages as m')
    .innerJoin('conversations as v', (join) => join.onRef('v.project_id', '=', 'm.project_id').onRef('v.id', '=', 'm.conversation_id'))
    .select(['m.id', 'm.conversation_id', 'v.contact_id', 'm.direction'])
    .where('m.project_id', '=', projectId)
    .where('m.id', '>', after)
    .orderBy('m.id')
    .limit(limit)
    .execute();
}

/** The id of the project's latest published event ('0' when none): a new stream starts after it. */
export async function selectLastEventId(db: Db, projectId: string): Promise<string> {
  const row = await db
    .selectFrom('outbox')
    .select(sql<string>`coalesce(max(event_id), 0)::text`.as('id'))
    .where('project_id', '=', projectId)
    .where('event_id', 'is not', null)
    .executeTakeFirst();
  return row?.id ?? '0';
}
