import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Events and webhook delivery (docs/api.md).
//
// An outbox row gets its public `event_id` when it is published: one publisher at a time (it locks the
// event_publisher row) numbers the rows it can see, so a consumer that polls `after=<event_id>` never
// skips an event that committed late with a lower insertion id. Publishing also fans the event out to
// the endpoints subscribed to it, one webhook_deliveries row per (endpoint, event).
// event_publisher is the one table without project_id: it is the global counter (a Citus reference table).

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE outbox ADD COLUMN event_id bigint;
    ALTER TABLE outbox ADD CONSTRAINT outbox_event_id UNIQUE (project_id, event_id);
    CREATE INDEX outbox_unpublished ON outbox (id) WHERE event_id IS NULL;

    CREATE TABLE event_publisher (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      last_event_id bigint NOT NULL DEFAULT 0
    );
    INSERT INTO event_publisher DEFAULT VALUES;

    CREATE TABLE webhook_endpoints (
      project_id uuid NOT NULL REFERENCES projects,
      id uuid NOT NULL,
      url text NOT NULL,
      events jsonb NOT NULL,
      secret text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id)
    );

    CREATE TABLE webhook_deliveries (
      project_id uuid NOT NULL,
      id bigint GENERATED ALWAYS AS IDENTITY,
      endpoint_id uuid NOT NULL,
      event_id bigint NOT NULL,
      contact_id uuid,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
      attempts integer NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL DEFAULT now(),
      leased_until timestamptz,
      last_attempt_at timestamptz,
      last_status_code integer,
      last_error text,
      attempt_log jsonb NOT NULL DEFAULT '[]',
      delivered_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      UNIQUE (project_id, endpoint_id, event_id),
      FOREIGN KEY (project_id, endpoint_id) REFERENCES webhook_endpoints (project_id, id) ON DELETE CASCADE,
      FOREIGN KEY (project_id, event_id) REFERENCES outbox (project_id, event_id)
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_contact_queue ON webhook_deliveries (project_id, endpoint_id, contact_id, event_id) WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (project_id, endpoint_id, id);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    DROP TABLE webhook_deliveries, webhook_endpoints, event_publisher;
    ALTER TABLE outbox DROP COLUMN event_id;
  `,
  );
}
