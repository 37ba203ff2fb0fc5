import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Operators (named people who sign in to the web UI), their sign-in sessions, and who a conversation is
// assigned to, and who wrote a note (docs/ui.md). A session's token starts with its project's id, so finding it stays on the
// project's node; an operator signing in by e-mail is looked up across projects (docs/scaling.md).

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE TABLE operators (
      project_id uuid NOT NULL REFERENCES projects,
      id uuid NOT NULL,
      email text NOT NULL,
      name text NOT NULL,
      password_hash text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      disabled_at timestamptz,
      PRIMARY KEY (project_id, id)
    );
    CREATE UNIQUE INDEX operators_email ON operators (project_id, lower(email));
    CREATE INDEX operators_sign_in ON operators (lower(email));

    CREATE TABLE sessions (
      project_id uuid NOT NULL REFERENCES projects,
      token_hash text NOT NULL,
      operator_id uuid,
      api_key_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (project_id, token_hash),
      FOREIGN KEY (project_id, operator_id) REFERENCES operators (project_id, id),
      FOREIGN KEY (project_id, api_key_id) REFERENCES api_keys (project_id, id),
      CHECK ((operator_id IS NULL) <> (api_key_id IS NULL))
    );
    CREATE INDEX sessions_expiry ON sessions (expires_at);

    ALTER TABLE conversations ADD COLUMN assignee_id uuid;
    ALTER TABLE conversations ADD CONSTRAINT conversations_assignee FOREIGN KEY (project_id, assignee_id) REFERENCES operators (project_id, id);
    CREATE INDEX conversations_by_assignee ON conversations (project_id, assignee_id, id) WHERE assignee_id IS NOT NULL;

    ALTER TABLE contact_notes ADD COLUMN author text;

    UPDATE api_keys SET label = 'api' WHERE label = 'created with the project'
    `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE contact_notes DROP COLUMN author;
    ALTER TABLE conversations DROP COLUMN assignee_id;
    DROP TABLE sessions, operators
    `,
  );
}
