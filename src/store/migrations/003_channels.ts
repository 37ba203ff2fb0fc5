import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Messenger webhooks and connectors (docs/messengers.md).
// - bots_by_id: a messenger's webhook names the bot by id alone (it cannot send our API key). Not
//   unique, so it stays valid when bots are distributed by project on Citus; ids are UUIDv7.
// - bots.verify_token (Meta's hub.verify_token), confirmation_code (VK's confirmation string) and
//   account_id (the WhatsApp phone-number ID the Cloud API sends from).
// - identities.subscribed: Viber's window is open while the client is subscribed.
// - messages.delivery_error: why an outbound message failed.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    CREATE INDEX bots_by_id ON bots (id);
    ALTER TABLE bots ADD COLUMN verify_token text;
    ALTER TABLE bots ADD COLUMN confirmation_code text;
    ALTER TABLE bots ADD COLUMN account_id text;
    ALTER TABLE identities ADD COLUMN subscribed boolean;
    ALTER TABLE messages ADD COLUMN delivery_error text;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE messages DROP COLUMN delivery_error;
    ALTER TABLE identities DROP COLUMN subscribed;
    ALTER TABLE bots DROP COLUMN account_id;
    ALTER TABLE bots DROP COLUMN confirmation_code;
    ALTER TABLE bots DROP COLUMN verify_token;
    DROP INDEX bots_by_id;
  `,
  );
}
