import { sql } from 'kysely';
import type { Db, Store, Tx } from './database.js';
import { recordset } from './sql.js';

/** An event to deliver (docs/api.md): written in the transaction of the change it describes. */
export interface OutboxEvent {
  type: string;
  contactId: string | null;
  data: Record<string, unknown>;
}

export async function enqueueEvents(tx: Tx | Db, projectId: string, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  // one parameter however many (a bulk dedupe writes thousands); rows are inserted, and numbered, in this order
  const rows = events.map((e) => ({ type: e.type, contact_id: e.contactId, data: e.data }));
  await sql`
    INSERT INTO outbox (project_id, type, contact_id, data)
    SELECT ${projectId}, r.type, r.contact_id, r.data FROM ${recordset(rows, 'r(type text, contact_id uuid, data jsonb)')}
  `.execute(tx);
}

/** An event as consumers see it, in a webhook body or a poll answer. */
export interface PublishedEvent {
  id: string;
  type: string;
  created_at: Date;
  project_id: string;
  contact_id: string | null;
  data: Record<string, unknown>;
}

const PUBLISH_BATCH = 1000;

/**
 * Gives the oldest unpublished events their public ids, in insertion order, and fans each out to the
 * endpoints subscribed to it. One publisher at a time: it holds the counter row; a worker that finds it
 * held moves on (`skipIfBusy`), a poller waits for it. The counter is locked by its own statement first,
 * so the publishing statement's snapshot already sees whatever the previous publisher committed.
 * Order per contact is the order of insertion ids: a change takes its contact's row lock before it
 * writes the event, so of two changes to one contact the later one inserts later. Returns how many were
 * published.
 */
export async function publishEvents(store: Store, { skipIfBusy }: { skipIfBusy: boolean }): Promise<number> {
  const waiting = await store.db.selectFrom('outbox').select('id').where('event_id', 'is', null).limit(1).executeTakeFirst();
  if (!waiting) return 0;
  return store.transaction(async (tx) => {
    const lock = tx.selectFrom('event_publisher').select('last_event_id').forUpdate();
    const counter = await (skipIfBusy ? lock.skipLocked() : lock).executeTakeFirst();
    if (!counter) return 0;
    const { rows } = await sql<{ published: string }>`
      WITH batch AS (
        SELECT project_id, id, ${counter.last_event_id}::bigint + row_number() OVER (ORDER BY id) AS event_id
        FROM (SELECT project_id, id FROM outbox WHERE event_id IS NULL ORDER BY id LIMIT ${PUBLISH_BATCH}) oldest
      ), published AS (
        UPDATE outbox o SET event_id = batch.event_id
        FROM batch WHERE o.project_id = batch.project_id AND o.id = batch.id AND o.event_id IS NULL
        RETURNING o.project_id, o.event_id, o.type, o.contact_id
      ), advanced AS (
        UPDATE event_publisher SET last_event_id = (SELECT max(event_id) FROM published)
        WHERE EXISTS (SELECT 1 FROM published)
      ), fanned_out AS (
        INSERT INTO webhook_deliveries (project_id, endpoint_id, event_id, contact_id)
        SELECT p.project_id, e.id, p.event_id, p.contact_id
        FROM published p
        JOIN webhook_endpoints e ON e.project_id = p.project_id AND (e.events ? '*' OR e.events ? p.type)
      )
      SELECT count(*)::text AS published FROM published`.execute(tx);
    return Number(rows[0].published);
  });
}

/** Published events of the project after the given id, oldest first (polling, `GET /v1/events`). */
export async function selectEventsAfter(db: Db, projectId: string, after: string, limit: number): Promise<PublishedEvent[]> {
  return db
    .selectFrom('outbox')
    .select(['type', 'created_at', 'project_id', 'contact_id', 'data', sql<string>`event_id::text`.as('id')])
    .where('project_id', '=', projectId)
    .where('event_id', '>', after)
    .orderBy('event_id')
    .limit(limit)
    .execute();
}

/** What waits to reach subscribers, across all projects (GET /metrics). */
export interface OutboxBacklog {
  /** events written but not yet published (numbered and fanned out to endpoints) */
  unpublished: number;
  /** webhook deliveries not yet acknowledged, whether due now or waiting for a retry */
  pendingDeliveries: number;
  /** seconds since the oldest of those events happened; 0 when nothing waits */
  oldestAgeSeconds: number;
}

/** The backlog in one statement; both counts read partial indexes of the rows still waiting. */
export async function selectOutboxBacklog(db: Db): Promise<OutboxBacklog> {
  const { rows } = await sql<{ unpublished: number; pending: number; oldest_age_s: number | null }>`
    SELECT
      (SELECT count(*) FROM outbox WHERE event_id IS NULL)::int AS unpublished,
      (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending')::int AS pending,
      extract(epoch FROM now() - least(
        (SELECT min(created_at) FROM outbox WHERE event_id IS NULL),
        (SELECT min(o.created_at) FROM webhook_deliveries d
          JOIN outbox o ON o.project_id = d.project_id AND o.event_id = d.event_id
          WHERE d.status = 'pending')
      ))::float8 AS oldest_age_s`.execute(db);
  const row = rows[0];
  return { unpublished: row.unpublished, pendingDeliveries: row.pending, oldestAgeSeconds: Math.max(0, row.oldest_age_s ?? 0) };
}
