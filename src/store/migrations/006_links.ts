import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// docs/links.md: merge links and codes. Tokens and codes are kept only as their SHA-256 (src/links/secrets.ts).
// A link is claimed by the first identity that brings it back (`used_by_identity_id`), completed when its
// merge is done (at once in auto mode, on approval in manual mode). Wrong codes are counted per identity
// for the rate limit.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE TABLE merge_links (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      bot_id uuid NOT NULL,
      channel text NOT NULL,
      tag text,
      token_hash text,
      code_hash text,
      expires_at timestamptz NOT NULL,
      replaced_at timestamptz,
      used_by_identity_id uuid,
      used_at timestamptz,
      suggestion_id uuid,
      completed_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      CHECK (token_hash IS NOT NULL OR code_hash IS NOT NULL),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id),
      FOREIGN KEY (project_id, bot_id) REFERENCES bots (project_id, id)
    );
    CREATE UNIQUE INDEX merge_links_by_token ON merge_links (project_id, token_hash) WHERE token_hash IS NOT NULL;
    CREATE UNIQUE INDEX merge_links_by_code ON merge_links (project_id, code_hash) WHERE code_hash IS NOT NULL;
    CREATE INDEX merge_links_by_contact ON merge_links (project_id, contact_id);
    CREATE INDEX merge_links_by_suggestion ON merge_links (project_id, suggestion_id) WHERE suggestion_id IS NOT NULL;
    CREATE TABLE merge_code_failures (
      project_id uuid NOT NULL,
      identity_id uuid NOT NULL,
      id uuid NOT NULL,
      failed_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, identity_id, id)
    );
    CREATE INDEX merge_code_failures_recent ON merge_code_failures (project_id, identity_id, failed_at)
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'DROP TABLE merge_code_failures; DROP TABLE merge_links');
}
