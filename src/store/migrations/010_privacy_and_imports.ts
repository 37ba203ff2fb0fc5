import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Resumable imports, retention of delivered events, and the audit trail of erasures.
//
// contact_imports remembers each imported file by its SHA-256, with the time its import began: the ids
// of its contacts are made from that time and the row's line, so a re-run of the same file writes the
// same ids and skips the rows already written (docs: README "Importing").
// contact_erasures is the audit entry an erasure leaves: ids and counts, no personal data.
// The indexes let the pruner find old delivered rows without scanning the tables.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE TABLE contact_imports (
      project_id uuid NOT NULL REFERENCES projects,
      file_sha256 text NOT NULL,
      file_name text NOT NULL,
      started_at timestamptz NOT NULL DEFAULT now(),
      finished_at timestamptz,
      runs integer NOT NULL DEFAULT 1,
      PRIMARY KEY (project_id, file_sha256)
    );

    CREATE TABLE contact_erasures (
      project_id uuid NOT NULL REFERENCES projects,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      erased_contact_ids jsonb NOT NULL,
      erased jsonb NOT NULL,
      actor text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id)
    );

    CREATE INDEX webhook_deliveries_delivered ON webhook_deliveries (delivered_at) WHERE status = 'delivered';
    CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries (project_id, event_id);
    CREATE INDEX outbox_published_by_age ON outbox (created_at) WHERE event_id IS NOT NULL;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    DROP INDEX outbox_published_by_age;
    DROP INDEX webhook_deliveries_by_event;
    DROP INDEX webhook_deliveries_delivered;
    DROP TABLE contact_erasures, contact_imports;
  `,
  );
}
