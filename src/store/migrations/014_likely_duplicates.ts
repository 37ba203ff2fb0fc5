import type { Kysely } from 'kysely';
import { emailKeySql, nameKeySql } from '../likely-keys.js';
import { runDdl } from './ddl.js';

// docs/likely-duplicates.md: candidates for a likely duplicate are found through indexes (blocking keys),
// never by a scan per contact: the Latin skeleton of a name, an e-mail's local part without dots and
// +tags, a phone's last 7 digits; phones one digit away use contacts_by_phone. (A pg_trgm trigram index
// on the skeleton was measured too: its probe alone took 22 ms at a million contacts, too slow for a lookup.)
// Suggestions get the kind `likely`; projects the setting `likely_threshold`.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE FUNCTION omnimerge_name_key(name text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ${nameKeySql('name')} $$;
    CREATE FUNCTION omnimerge_email_key(email text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT ${emailKeySql('email')} $$;
    CREATE INDEX contacts_likely_name ON contacts (project_id, omnimerge_name_key(name)) WHERE state = 'active' AND name IS NOT NULL;
    CREATE INDEX contacts_likely_email ON contacts (project_id, omnimerge_email_key(email)) WHERE state = 'active' AND email IS NOT NULL;
    CREATE INDEX contacts_likely_phone ON contacts (project_id, right(phone, 7)) WHERE state = 'active' AND phone IS NOT NULL;
    ALTER TABLE merge_suggestions DROP CONSTRAINT merge_suggestions_kind_check;
    ALTER TABLE merge_suggestions ADD CONSTRAINT merge_suggestions_kind_check CHECK (kind IN ('link', 'rule', 'likely'));
    ALTER TABLE projects ADD COLUMN likely_threshold double precision NOT NULL DEFAULT 0.8 CHECK (likely_threshold > 0 AND likely_threshold <= 1)
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE projects DROP COLUMN likely_threshold;
    DELETE FROM merge_suggestions WHERE kind = 'likely';
    ALTER TABLE merge_suggestions DROP CONSTRAINT merge_suggestions_kind_check;
    ALTER TABLE merge_suggestions ADD CONSTRAINT merge_suggestions_kind_check CHECK (kind IN ('link', 'rule'));
    DROP INDEX contacts_likely_name;
    DROP INDEX contacts_likely_email;
    DROP INDEX contacts_likely_phone;
    DROP FUNCTION omnimerge_name_key(text);
    DROP FUNCTION omnimerge_email_key(text)
  `,
  );
}
