import { sql } from 'kysely';
import type { Db } from './database.js';

// Pruning of what was delivered long ago (docs/events.md, "Retention"). Each call deletes one small
// batch in its own short statement, taking only rows no one holds (SKIP LOCKED), so the delivery
// worker is never blocked behind it. Pending and dead deliveries, and the events they belong to, stay.

/** Deletes up to `limit` deliveries delivered before `before`; returns how many. */
export async function pruneDeliveredDeliveries(db: Db, before: Date, limit: number): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    WITH old AS (
      SELECT project_id, id FROM webhook_deliveries
      WHERE status = 'delivered' AND delivered_at < ${before}
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), deleted AS (
      DELETE FROM webhook_deliveries d USING old WHERE d.project_id = old.project_id AND d.id = old.id RETURNING 1
    )
    SELECT count(*)::int AS count FROM deleted`.execute(db);
  return rows[0].count;
}

/** Deletes up to `limit` published events created before `before` that no delivery still refers to; returns how many. */
export async function prunePublishedEvents(db: Db, before: Date, limit: number): Promise<number> {
  const { rows } = await sql<{ count: number }>`
    WITH old AS (
      SELECT o.project_id, o.id FROM outbox o
      WHERE o.event_id IS NOT NULL AND o.created_at < ${before}
        AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d.project_id = o.project_id AND d.event_id = o.event_id)
      LIMIT ${limit}
      FOR UPDATE OF o SKIP LOCKED
    ), deleted AS (
      DELETE FROM outbox o USING old WHERE o.project_id = old.project_id AND o.id = old.id RETURNING 1
    )
    SELECT count(*)::int AS count FROM deleted`.execute(db);
  return rows[0].count;
}
