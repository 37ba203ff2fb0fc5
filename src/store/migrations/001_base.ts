import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Projects, keys, bots, contacts, identities, conversations, messages, the outbox (docs/concepts.md, docs/api.md).
// Every table keys on project_id first so it can be distributed by project on Citus; api_keys, looked up
// by the key's hash before the project is known, is meant to be a Citus reference table.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE TABLE projects (
      project_id uuid PRIMARY KEY,
      name text NOT NULL,
      merge_mode text NOT NULL DEFAULT 'auto' CHECK (merge_mode IN ('auto', 'manual')),
      default_region text,
      link_ttl_s integer NOT NULL DEFAULT 604800 CHECK (link_ttl_s > 0),
      blocked_values jsonb NOT NULL DEFAULT '[]',
      max_shared integer NOT NULL DEFAULT 20 CHECK (max_shared > 0),
      created_at timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE api_keys (
      project_id uuid NOT NULL REFERENCES projects,
      id uuid NOT NULL,
      key_hash text NOT NULL UNIQUE,
      label text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id)
    );

    CREATE TABLE bots (
      project_id uuid NOT NULL REFERENCES projects,
      id uuid NOT NULL,
      channel text NOT NULL,
      handle text NOT NULL,
      name text,
      secret text,
      token text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id)
    );

    CREATE TABLE contacts (
      project_id uuid NOT NULL REFERENCES projects,
      id uuid NOT NULL,
      state text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'merged')),
      merged_into uuid,
      name text,
      phone text,
      email text,
      external_id text,
      variables jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, merged_into) REFERENCES contacts (project_id, id)
    );
    CREATE INDEX contacts_by_phone ON contacts (project_id, phone) WHERE state = 'active' AND phone IS NOT NULL;
    CREATE INDEX contacts_by_email ON contacts (project_id, email) WHERE state = 'active' AND email IS NOT NULL;
    CREATE INDEX contacts_by_external_id ON contacts (project_id, external_id) WHERE state = 'active' AND external_id IS NOT NULL;

    CREATE TABLE contact_tags (
      project_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      tag text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, contact_id, tag),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id)
    );

    CREATE TABLE identities (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      bot_id uuid NOT NULL,
      external_user_id text NOT NULL,
      name text,
      username text,
      phone text,
      email text,
      last_inbound_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      UNIQUE (project_id, bot_id, external_user_id),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id),
      FOREIGN KEY (project_id, bot_id) REFERENCES bots (project_id, id)
    );
    CREATE INDEX identities_by_contact ON identities (project_id, contact_id);

    CREATE TABLE conversations (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      bot_id uuid NOT NULL,
      channel text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      last_message_at timestamptz,
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id),
      FOREIGN KEY (project_id, bot_id) REFERENCES bots (project_id, id)
    );
    CREATE INDEX conversations_by_contact_bot ON conversations (project_id, contact_id, bot_id);

    CREATE TABLE messages (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      conversation_id uuid NOT NULL,
      identity_id uuid,
      direction text NOT NULL CHECK (direction IN ('in', 'out')),
      text text,
      payload text,
      external_message_id text,
      delivery_state text,
      created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, conversation_id) REFERENCES conversations (project_id, id),
      FOREIGN KEY (project_id, identity_id) REFERENCES identities (project_id, id)
    );
    CREATE INDEX messages_by_conversation ON messages (project_id, conversation_id, id);
    CREATE UNIQUE INDEX messages_seen_once ON messages (project_id, identity_id, external_message_id)
      WHERE external_message_id IS NOT NULL;

    CREATE TABLE outbox (
      project_id uuid NOT NULL,
      id bigint GENERATED ALWAYS AS IDENTITY,
      type text NOT NULL,
      contact_id uuid,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id)
    );
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'DROP TABLE outbox, messages, conversations, identities, contact_tags, contacts, bots, api_keys, projects');
}
