import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// docs/links.md "One link for every messenger": a landing page `/l/<token>` with a button per messenger. Only
// the SHA-256 of its token is kept. `opened` maps a channel to the merge link its button made on first click
// ({"telegram": {"link_id": …, "n": 0}}), so a second click reuses it and codes are issued only for the
// channel chosen. `channels` null: every connected messenger; `bot_id`: the bot the caller chose (`group`).

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE TABLE landing_links (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      token_hash text NOT NULL,
      tag text,
      channels jsonb,
      bot_id uuid,
      opened jsonb NOT NULL DEFAULT '{}'::jsonb,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id),
      FOREIGN KEY (project_id, bot_id) REFERENCES bots (project_id, id)
    );
    CREATE UNIQUE INDEX landing_links_by_token ON landing_links (project_id, token_hash);
    CREATE INDEX landing_links_by_contact ON landing_links (project_id, contact_id)
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'DROP TABLE landing_links');
}
