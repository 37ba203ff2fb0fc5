import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Disconnecting a bot (DELETE /v1/bots/{id}): the row stays, so its identities, conversations and
// messages keep their bot; `disconnected_at` says it no longer receives or sends.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'ALTER TABLE bots ADD COLUMN disconnected_at timestamptz');
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(db, 'ALTER TABLE bots DROP COLUMN disconnected_at');
}
