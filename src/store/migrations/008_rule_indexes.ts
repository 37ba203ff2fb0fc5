import type { Kysely } from 'kysely';
import { syncVariableIndexes } from '../variable-indexes.js';
import { runDdl } from './ddl.js';

// docs/rules.md at the size of a whole base: rules match through the indexes of the contacts' own fields (and
// an expression index per variable a rule reads) instead of a table of match keys, which cost an import
// of a million contacts three million key rows in two random-order indexes, and every merge a rewrite.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'DROP TABLE contact_match_keys');
  await syncVariableIndexes(db as never);
}

/** The table comes back empty: the code of 007 fills it again with a dedupe (`omnimerge dedupe`). */
export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
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
