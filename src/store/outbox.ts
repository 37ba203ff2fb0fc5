import type { Db, Tx } from './database.js';
import { jsonb } from './json.js';

/** An event to deliver (SPEC §8): written in the transaction of the change it describes. */
export interface OutboxEvent {
  type: string;
  contactId: string | null;
  data: Record<string, unknown>;
}

export async function enqueueEvents(tx: Tx | Db, projectId: string, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx
    .insertInto('outbox')
    .values(events.map((e) => ({ project_id: projectId, type: e.type, contact_id: e.contactId, data: jsonb(e.data) })))
    .execute();
}
