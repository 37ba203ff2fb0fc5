import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Messenger fidelity (docs/messengers.md):
// - messages_seen_once covered both directions, so an operator reply whose platform id equalled a
//   client's message id failed (and a client message equal to a reply's id was dropped): inbound
//   de-duplication is now per direction, outbound ids are not unique at all (the messenger numbers them).
// - messages.referral: an ad or campaign referral that came with the message — a fact about the
//   conversation (source, ad id, ref, headline…), never an identity.
// - message_attachments: file ids (Telegram, LINE) besides URLs, mime type and size when the messenger
//   gives them; url becomes optional (a Telegram photo has only a file id).
// - bots.start_param / trust_start_data (what a plain start parameter does; whether fields that arrive
//   through a start parameter or unsigned invite data may merge contacts automatically).
// - projects.invite_secret: keys the MAC inside invite links made by the API (docs/links.md); made on
//   first use.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    DROP INDEX messages_seen_once;
    CREATE UNIQUE INDEX messages_seen_once_inbound ON messages (project_id, identity_id, external_message_id)
      WHERE external_message_id IS NOT NULL AND direction = 'in';
    ALTER TABLE messages ADD COLUMN referral jsonb;
    ALTER TABLE message_attachments ALTER COLUMN url DROP NOT NULL;
    ALTER TABLE message_attachments ADD COLUMN file_id text;
    ALTER TABLE message_attachments ADD COLUMN mime_type text;
    ALTER TABLE message_attachments ADD COLUMN size bigint;
    ALTER TABLE bots ADD COLUMN start_param text NOT NULL DEFAULT 'external_id' CHECK (start_param IN ('external_id', 'ignore'));
    ALTER TABLE bots ADD COLUMN trust_start_data boolean NOT NULL DEFAULT false;
    ALTER TABLE projects ADD COLUMN invite_secret text
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE projects DROP COLUMN invite_secret;
    ALTER TABLE bots DROP COLUMN trust_start_data;
    ALTER TABLE bots DROP COLUMN start_param;
    ALTER TABLE message_attachments DROP COLUMN size;
    ALTER TABLE message_attachments DROP COLUMN mime_type;
    ALTER TABLE message_attachments DROP COLUMN file_id;
    DELETE FROM message_attachments WHERE url IS NULL;
    ALTER TABLE message_attachments ALTER COLUMN url SET NOT NULL;
    ALTER TABLE messages DROP COLUMN referral;
    DROP INDEX messages_seen_once_inbound;
    CREATE UNIQUE INDEX messages_seen_once ON messages (project_id, identity_id, external_message_id)
      WHERE external_message_id IS NOT NULL
  `,
  );
}
