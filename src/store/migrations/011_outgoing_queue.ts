import type { Kysely } from 'kysely';
import { runDdl } from './ddl.js';

// Outgoing messages survive a messenger outage. An outgoing message is written `queued`
// first; the sending worker (src/events/outgoing.ts) claims due ones with FOR UPDATE SKIP LOCKED and a
// lease (`sending`), and records `sent` (with the platform's message id) or `failed`, or puts it back
// `queued` with its next attempt after a transient failure, until `send_give_up_at`.
// - messages_outgoing_due: the worker's claim looks only at queued and sending messages.
// - messages_outgoing_queue: "is an earlier message to this identity still waiting?" (order per identity).
// - identities.unreachable_at / unreachable_reason: the messenger said the client cannot be written to
//   (a blocked bot); the window is shut until the client writes again.

export async function up(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE messages ADD COLUMN send_attempts integer NOT NULL DEFAULT 0;
    ALTER TABLE messages ADD COLUMN send_next_at timestamptz;
    ALTER TABLE messages ADD COLUMN send_leased_until timestamptz;
    ALTER TABLE messages ADD COLUMN send_give_up_at timestamptz;
    ALTER TABLE messages ADD COLUMN sent_at timestamptz;
    CREATE INDEX messages_outgoing_due ON messages (send_next_at) WHERE delivery_state IN ('queued', 'sending');
    CREATE INDEX messages_outgoing_queue ON messages (project_id, identity_id, id) WHERE delivery_state IN ('queued', 'sending');
    ALTER TABLE identities ADD COLUMN unreachable_at timestamptz;
    ALTER TABLE identities ADD COLUMN unreachable_reason text;
  `,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await runDdl(
    db,
    `
    ALTER TABLE identities DROP COLUMN unreachable_reason;
    ALTER TABLE identities DROP COLUMN unreachable_at;
    DROP INDEX messages_outgoing_queue;
    DROP INDEX messages_outgoing_due;
    ALTER TABLE messages DROP COLUMN sent_at;
    ALTER TABLE messages DROP COLUMN send_give_up_at;
    ALTER TABLE messages DROP COLUMN send_leased_until;
    ALTER TABLE messages DROP COLUMN send_next_at;
    ALTER TABLE messages DROP COLUMN send_attempts;
  `,
  );
}
