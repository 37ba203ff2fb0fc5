import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// The merge engine (docs/merging.md): what a contact carries besides its fields (alternates, preferences,
// notes, events, references, attachments), the merge record with its journal, and a general history.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE contacts ADD COLUMN preferences jsonb NOT NULL DEFAULT '{}';
    CREATE INDEX contacts_by_merged_into ON contacts (project_id, merged_into) WHERE merged_into IS NOT NULL;

    CREATE TABLE merges (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      from_contact_id uuid NOT NULL,
      to_contact_id uuid NOT NULL,
      reason text NOT NULL,
      actor text NOT NULL,
      state text NOT NULL DEFAULT 'done' CHECK (state IN ('done', 'undone')),
      plan jsonb NOT NULL,
      moved jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      undone_at timestamptz,
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, from_contact_id) REFERENCES contacts (project_id, id),
      FOREIGN KEY (project_id, to_contact_id) REFERENCES contacts (project_id, id)
    );
    CREATE INDEX merges_by_from ON merges (project_id, from_contact_id, id);
    CREATE INDEX merges_by_to ON merges (project_id, to_contact_id, id);

    CREATE TABLE merge_moves (
      project_id uuid NOT NULL,
      merge_id uuid NOT NULL,
      kind text NOT NULL,
      old_parent uuid NOT NULL,
      new_parent uuid NOT NULL,
      ids uuid[] NOT NULL,
      rows jsonb,
      PRIMARY KEY (project_id, merge_id, kind, old_parent),
      FOREIGN KEY (project_id, merge_id) REFERENCES merges (project_id, id) DEFERRABLE INITIALLY DEFERRED
    );

    CREATE TABLE contact_history (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      kind text NOT NULL,
      contact_id uuid NOT NULL,
      other_contact_id uuid,
      data jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id)
    );
    CREATE INDEX contact_history_by_contact ON contact_history (project_id, contact_id, id);
    CREATE INDEX contact_history_by_other ON contact_history (project_id, other_contact_id, id) WHERE other_contact_id IS NOT NULL;

    CREATE TABLE contact_alternates (
      project_id uuid NOT NULL,
      contact_id uuid NOT NULL,
      kind text NOT NULL CHECK (kind IN ('phone', 'email')),
      value text NOT NULL,
      merge_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, contact_id, kind, value),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id)
    );
    CREATE INDEX contact_alternates_by_value ON contact_alternates (project_id, kind, value);

    CREATE TABLE contact_notes (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      text text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id)
    );
    CREATE INDEX contact_notes_by_contact ON contact_notes (project_id, contact_id, id);

    CREATE TABLE contact_events (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id)
    );
    CREATE INDEX contact_events_by_contact ON contact_events (project_id, contact_id, id);

    CREATE TABLE conversation_events (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      conversation_id uuid NOT NULL,
      type text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, conversation_id) REFERENCES conversations (project_id, id)
    );
    CREATE INDEX conversation_events_by_conversation ON conversation_events (project_id, conversation_id, id);

    CREATE TABLE contact_references (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      contact_id uuid NOT NULL,
      kind text NOT NULL,
      ref text NOT NULL,
      data jsonb NOT NULL DEFAULT '{}',
      message_id uuid,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, contact_id) REFERENCES contacts (project_id, id),
      FOREIGN KEY (project_id, message_id) REFERENCES messages (project_id, id),
      CHECK ((kind = 'scheduled_message') = (message_id IS NOT NULL))
    );
    CREATE INDEX contact_references_by_contact ON contact_references (project_id, contact_id, id);
    CREATE INDEX contact_references_by_message ON contact_references (project_id, message_id) WHERE message_id IS NOT NULL;

    CREATE TABLE message_attachments (
      project_id uuid NOT NULL,
      id uuid NOT NULL,
      message_id uuid NOT NULL,
      type text NOT NULL,
      url text NOT NULL,
      name text,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, id),
      FOREIGN KEY (project_id, message_id) REFERENCES messages (project_id, id)
    );
    CREATE INDEX message_attachments_by_message ON message_attachments (project_id, message_id, id);
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    DROP TABLE message_attachments, contact_references, conversation_events, contact_events, contact_notes,
      contact_alternates, contact_history, merge_moves, merges;
    ALTER TABLE contacts DROP COLUMN preferences
  `,
  );
}
