import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// docs/rules.md merge rules. Matching goes through contact_match_keys: per active contact and rule, one key
// per combination of its normalized values (md5 of the values, as a uuid: 16 bytes), so a match is an
// equality probe and the bulk dedupe a GROUP BY. vals keeps the values for the history and the
// shared-values report. No foreign keys on the keys: an import writes millions of them, and a check per
// row doubled that cost; deleting a rule deletes its keys in the same transaction.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE TABLE merge_rules (
      project_id uuid NOT NULL REFERENCES projects,
      id uuid NOT NULL,
      fields text[] NOT NULL CHECK (cardinality(fields) > 0),
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id)
    );

    CREATE TABLE contact_match_keys (
      project_id uuid NOT NULL,
      rule_id uuid NOT NULL,
      key uuid NOT NULL,
      contact_id uuid NOT NULL,
      vals jsonb NOT NULL,
      PRIMARY KEY (project_id, rule_id, key, contact_id)
    );
    CREATE INDEX contact_match_keys_by_contact ON contact_match_keys (project_id, contact_id)
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'DROP TABLE contact_match_keys, merge_rules');
}
