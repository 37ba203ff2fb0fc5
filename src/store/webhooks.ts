import { sql, type Selectable } from 'kysely';
import type { Db } from './database.js';
import { jsonb } from './sql.js';
import type { PublishedEvent } from './outbox.js';
import type { DeliveryStatus, WebhookDeliveriesTable, WebhookEndpointsTable } from './schema.js';

export type EndpointRow = Selectable<WebhookEndpointsTable>;

export async function insertEndpoint(db: Db, row: EndpointRow): Promise<void> {
  await db
    .insertInto('webhook_endpoints')
    .values({ ...row, events: jsonb(row.events) })
    .execute();
}

export async function selectEndpoints(db: Db, projectId: string, endpointId?: string): Promise<EndpointRow[]> {
  let query = db.selectFrom('webhook_endpoints').selectAll().where('project_id', '=', projectId);
  if (endpointId !== undefined) query = query.where('id', '=', endpointId);
  return query.orderBy('id').execute();
}

/** Deletes the endpoint with its deliveries; false when there was none. */
export async function deleteEndpoint(db: Db, projectId: string, endpointId: string): Promise<boolean> {
  const result = await db.deleteFrom('webhook_endpoints').where('project_id', '=', projectId).where('id', '=', endpointId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export type DeliveryRow = Omit<Selectable<WebhookDeliveriesTable>, 'project_id' | 'leased_until'> & { event_type: string };

const deliveryColumns = [
  'd.endpoint_id',
  'o.type as event_type',
  'd.contact_id',
  'd.status',
  'd.attempts',
  'd.next_attempt_at',
  'd.last_attempt_at',
  'd.last_status_code',
  'd.last_error',
  'd.attempt_log',
  'd.delivered_at',
  'd.created_at',
] as const;

export interface DeliveryFilter {
  /** only deliveries older than this delivery id */
  before?: string | null;
  status?: DeliveryStatus;
  id?: string;
  limit: number;
}

/** An endpoint's deliveries, newest first. */
export async function selectDeliveries(db: Db, projectId: string, endpointId: string, filter: DeliveryFilter): Promise<DeliveryRow[]> {
  let query = db
    .selectFrom('webhook_deliveries as d')
    .innerJoin('outbox as o', (join) => join.onRef('o.project_id', '=', 'd.project_id').onRef('o.event_id', '=', 'd.event_id'))
    .select(deliveryColumns)
    .select(sql<string>`d.id::text`.as('id'))
    .select(sql<string>`d.event_id::text`.as('event_id'))
    .where('d.project_id', '=', projectId)
    .where('d.endpoint_id', '=', endpointId);
  if (filter.before != null) query = query.where('d.id', '<', filter.before);
  if (filter.status !== undefined) query = query.where('d.status', '=', filter.status);
  if (filter.id !== undefined) query = query.where('d.id', '=', filter.id);
  return query.orderBy('d.id', 'desc').limit(filter.limit).execute();
}

/**
 * Makes a delivery due now, whatever its state: a dead or delivered one is sent again. A delivery in
 * flight keeps its lease, so it is never sent twice at once. Returns the delivery, or undefined.
 */
export async function retryDelivery(db: Db, projectId: string, endpointId: string, deliveryId: string): Promise<DeliveryRow | undefined> {
  const updated = await db
    .updateTable('webhook_deliveries')
    .set({ status: 'pending', next_attempt_at: sql`now()`, delivered_at: null })
    .where('project_id', '=', projectId)
    .where('endpoint_id', '=', endpointId)
    .where('id', '=', deliveryId)
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) return undefined;
  const [row] = await selectDeliveries(db, projectId, endpointId, { id: deliveryId, limit: 1 });
  return row;
}

/** A delivery claimed for one attempt, with what to send and where. */
export interface ClaimedDelivery {
  delivery_id: string;
  endpoint_id: string;
  attempts: number;
  url: string;
  secret: string;
  event: PublishedEvent;
}

type Nullable<T> = { [K in keyof T]: T[K] | null };

/** Due deliveries looked at per claim beyond the ones wanted: blocked ones found among them are put off. */
const CLAIM_WINDOW = 500;

/**
 * Claims up to `limit` due deliveries for one attempt each, leasing them for `leaseMs` so no other
 * worker takes them meanwhile (SKIP LOCKED: concurrent claimers take different rows). A delivery waits
 * while an earlier one for the same contact on the same endpoint is still pending: order per contact.
 * Such a blocked delivery is put off until its blocker's next attempt (recordAttempts brings it forward
 * when the blocker is done), so a long queue behind a failing endpoint is not looked at on every claim.
 */
export async function claimDeliveries(db: Db, limit: number, leaseMs: number): Promise<{ claimed: ClaimedDelivery[]; putOff: number }> {
  // one row even when nothing is claimed, to carry put_off
  const { rows } = await sql<{ put_off: number } & Nullable<Omit<ClaimedDelivery, 'event'> & Omit<PublishedEvent, 'id'> & { event_id: string }>>`
    WITH due AS (
      SELECT d.project_id, d.id, d.endpoint_id, d.contact_id, d.event_id, d.next_attempt_at FROM webhook_deliveries d
      WHERE d.status = 'pending' AND d.next_attempt_at <= now() AND (d.leased_until IS NULL OR d.leased_until <= now())
      ORDER BY d.next_attempt_at, d.id
      LIMIT ${limit + CLAIM_WINDOW}
      FOR UPDATE OF d SKIP LOCKED
    ), judged AS (
      SELECT due.*, blocker.until AS blocked_until
      FROM due LEFT JOIN LATERAL (
        SELECT greatest(earlier.next_attempt_at, earlier.leased_until, now() + interval '1 second') AS until
        FROM webhook_deliveries earlier
        WHERE earlier.project_id = due.project_id AND earlier.endpoint_id = due.endpoint_id AND earlier.contact_id = due.contact_id
          AND earlier.status = 'pending' AND earlier.event_id < due.event_id
        ORDER BY earlier.event_id LIMIT 1
      ) blocker ON true
    ), claimed AS (
      UPDATE webhook_deliveries d
      SET attempts = d.attempts + 1, last_attempt_at = now(), leased_until = now() + ${leaseMs}::int * interval '1 millisecond'
      FROM (SELECT project_id, id FROM judged WHERE blocked_until IS NULL ORDER BY next_attempt_at, id LIMIT ${limit}) free
      WHERE d.project_id = free.project_id AND d.id = free.id
      RETURNING d.project_id, d.id, d.attempts, d.endpoint_id, d.event_id
    ), put_off AS (
      UPDATE webhook_deliveries d SET next_attempt_at = judged.blocked_until
      FROM judged WHERE judged.blocked_until IS NOT NULL AND d.project_id = judged.project_id AND d.id = judged.id
      RETURNING 1
    )
    SELECT p.count::int AS put_off, c.id::text AS delivery_id, c.endpoint_id, c.attempts, e.url, e.secret,
      o.event_id::text AS event_id, o.type, o.created_at, o.project_id, o.contact_id, o.data
    FROM (SELECT count(*) FROM put_off) p
    LEFT JOIN (
      claimed c
      JOIN outbox o ON o.project_id = c.project_id AND o.event_id = c.event_id
      JOIN webhook_endpoints e ON e.project_id = c.project_id AND e.id = c.endpoint_id
    ) ON true`.execute(db);
  const claimed = rows
    .filter((row) => row.delivery_id !== null)
    .map(({ delivery_id, endpoint_id, attempts, url, secret, event_id, type, created_at, project_id, contact_id, data }) => ({
      delivery_id: delivery_id!,
      endpoint_id: endpoint_id!,
      attempts: attempts!,
      url: url!,
      secret: secret!,
      event: { id: event_id!, type: type!, created_at: created_at!, project_id: project_id!, contact_id, data: data! },
    }));
  return { claimed, putOff: rows[0]?.put_off ?? 0 };
}

/** The outcome of one attempt: delivered, or failed with the wait before the next (null: dead). */
export interface AttemptOutcome {
  project_id: string;
  delivery_id: string;
  attempts: number;
  delivered: boolean;
  retry_in_ms: number | null;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/** How many attempts a delivery keeps in its log (the count of all is `attempts`). */
export const ATTEMPT_LOG_SIZE = 10;

/**
 * Records a batch of attempts in one statement; an attempt whose lease another worker took over is
 * ignored. When a delivery is done (delivered or dead), the next one of its contact on that endpoint,
 * put off while it waited, is due at once.
 */
export async function recordAttempts(db: Db, outcomes: AttemptOutcome[]): Promise<void> {
  if (outcomes.length === 0) return;
  await sql`
    WITH recorded AS (
      UPDATE webhook_deliveries d SET
        status = CASE WHEN r.delivered THEN 'delivered' WHEN r.retry_in_ms IS NULL THEN 'dead' ELSE 'pending' END,
        next_attempt_at = CASE WHEN r.retry_in_ms IS NULL THEN d.next_attempt_at ELSE now() + r.retry_in_ms * interval '1 millisecond' END,
        delivered_at = CASE WHEN r.delivered THEN now() END,
        leased_until = NULL,
        last_status_code = r.status_code,
        last_error = r.error,
        attempt_log = (
          SELECT jsonb_agg(entry ORDER BY n)
          FROM jsonb_array_elements(d.attempt_log || jsonb_build_array(jsonb_build_object(
            'at', d.last_attempt_at, 'status_code', r.status_code, 'error', r.error, 'duration_ms', r.duration_ms))) WITH ORDINALITY AS log(entry, n)
          WHERE n > jsonb_array_length(d.attempt_log) + 1 - ${ATTEMPT_LOG_SIZE})
      FROM jsonb_to_recordset(${jsonb(outcomes)})
        AS r(project_id uuid, delivery_id bigint, attempts int, delivered boolean, retry_in_ms int, status_code int, error text, duration_ms int)
      WHERE d.project_id = r.project_id AND d.id = r.delivery_id AND d.attempts = r.attempts AND d.status = 'pending'
      RETURNING d.project_id, d.endpoint_id, d.contact_id, d.event_id, d.status
    ), successor AS (
      SELECT DISTINCT ON (recorded.project_id, recorded.endpoint_id, recorded.contact_id) later.project_id, later.id
      FROM recorded
      JOIN webhook_deliveries later ON later.project_id = recorded.project_id AND later.endpoint_id = recorded.endpoint_id
        AND later.contact_id = recorded.contact_id AND later.status = 'pending' AND later.event_id > recorded.event_id
      WHERE recorded.status <> 'pending'
      ORDER BY recorded.project_id, recorded.endpoint_id, recorded.contact_id, later.event_id
    )
    UPDATE webhook_deliveries d SET next_attempt_at = now()
    FROM successor WHERE d.project_id = successor.project_id AND d.id = successor.id AND d.next_attempt_at > now()`.execute(db);
}
