import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// docs/merging.md: in manual mode a completed link or a rule match becomes a suggestion an operator decides.
// One suggestion per pair of contacts and kind: a rejected pair is not suggested again by the same kind.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE TABLE merge_suggestions (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('link', 'rule')),
      from_contact_id uuid NOT NULL,
      to_contact_id uuid NOT NULL,
      pair_low uuid NOT NULL,
      pair_high uuid NOT NULL,
      reason text NOT NULL,
      evidence jsonb NOT NULL,
      status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
      merge_id uuid,
      decided_by text,
      decided_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      CHECK (pair_low < pair_high),
      FOREIGN KEY (project_id, from_contact_id) REFERENCES contacts (project_id, id),
      FOREIGN KEY (project_id, to_contact_id) REFERENCES contacts (project_id, id)
    );
    CREATE UNIQUE INDEX merge_suggestions_once_per_pair ON merge_suggestions (project_id, kind, pair_low, pair_high);
    CREATE INDEX merge_suggestions_by_status ON merge_suggestions (project_id, status, id)
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'DROP TABLE merge_suggestions');
}
