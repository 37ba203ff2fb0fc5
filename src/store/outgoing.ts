import { sql } from 'kysely';
import type { Channel } from '../domain/channels.js';
import type { BotRow } from './bots.js';
import { MESSAGE_COLUMNS, type MessageRow } from './messages.js';
import type { Db, Store } from './database.js';
import { enqueueEvents } from './outbox.js';

// The queue of outgoing messages: rows of `messages` in state `queued` or `sending`. The
// sending worker (src/events/outgoing.ts) claims due ones with FOR UPDATE SKIP LOCKED and a lease, as
// webhook deliveries are claimed (src/store/webhooks.ts); several processes on one database share it.

/** Marks the worker's polling statement, so a count of an API call's statements can leave it out (tests). */
export const CLAIM_MARK = '/* sending worker: claim */';

/** A message claimed for one attempt, with where it goes. */
export interface ClaimedMessage {
  project_id: string;
  id: string;
  /** this attempt's number (1 for the first); the outcome is recorded only while it still holds */
  attempts: number;
  /** `sending` when an earlier attempt's lease ran out unrecorded: a worker died mid-send */
  interrupted: boolean;
  text: string;
  give_up_at: Date;
  external_user_id: string;
  channel: Channel;
  bot: BotRow | null;
}

/**
 * Claims up to `limit` due messages for one attempt each, leasing them for `leaseMs`. A message waits
 * while an earlier one to the same identity is queued or sending: messages to one person go out in the
 * order they were written (ids are time-ordered UUIDv7). A message whose lease ran out in `sending` is
 * claimed again, marked interrupted.
 */
export async function claimOutgoing(db: Db, limit: number, leaseMs: number, projects?: readonly string[]): Promise<ClaimedMessage[]> {
  const scope = projects === undefined ? sql`true` : projects.length === 0 ? sql`false` : sql`m.project_id IN (${sql.join(projects)})`;
  const { rows } = await sql<Omit<ClaimedMessage, 'bot' | 'give_up_at'> & { bot_id: string; give_up_at: Date | string }>`
    ${sql.raw(CLAIM_MARK)}
    WITH due AS (
      SELECT m.project_id, m.id, m.delivery_state FROM messages m
      WHERE m.delivery_state IN ('queued', 'sending') AND m.send_next_at <= now() AND ${scope}
        AND (m.send_leased_until IS NULL OR m.send_leased_until <= now())
        AND NOT EXISTS (
          SELECT 1 FROM messages earlier
          WHERE earlier.project_id = m.project_id AND earlier.identity_id = m.identity_id
            AND earlier.delivery_state IN ('queued', 'sending') AND earlier.id < m.id
        )
      ORDER BY m.send_next_at, m.id
      LIMIT ${limit}
      FOR UPDATE OF m SKIP LOCKED
    ), claimed AS (
      UPDATE messages m
      SET delivery_state = 'sending', send_attempts = m.send_attempts + 1,
          send_leased_until = now() + ${leaseMs}::int * interval '1 millisecond'
      FROM due WHERE m.project_id = due.project_id AND m.id = due.id
      RETURNING m.project_id, m.id, m.send_attempts, m.text, m.send_give_up_at, m.conversation_id, m.identity_id, due.delivery_state AS previous_state
    )
    SELECT c.project_id, c.id, c.send_attempts AS attempts, c.previous_state = 'sending' AS interrupted, c.text,
           c.send_give_up_at AS give_up_at, i.external_user_id, v.channel, v.bot_id
    FROM claimed c
    JOIN conversations v ON v.project_id = c.project_id AND v.id = c.conversation_id
    JOIN identities i ON i.project_id = c.project_id AND i.id = c.identity_id
    ORDER BY c.id`.execute(db);
  if (rows.length === 0) return [];
  const bots = await db
    .selectFrom('bots')
    .selectAll()
    .where(
      'id',
      'in',
      rows.map((r) => r.bot_id),
    )
    .execute();
  const byId = new Map(bots.map((b) => [b.id, b]));
  return rows.map(({ bot_id, ...row }) => ({ ...row, give_up_at: new Date(row.give_up_at), bot: byId.get(bot_id) ?? null }));
}

/** What one attempt came to: sent, failed for good, or queued again after `retryInMs`. */
export interface SendOutcome {
  projectId: string;
  messageId: string;
  attempts: number;
  state: 'sent' | 'failed' | 'queued';
  externalMessageId: string | null;
  /** failed: why; queued: why the last attempt did not go through */
  error: string | null;
  retryInMs: number | null;
  /** the messenger said the client cannot be written to: the identity is marked unreachable */
  unreachable: boolean;
}

/**
 * Records an attempt, unless another worker took the message over meanwhile (then it is ignored and
 * answers undefined). A message done for good gets its event (`message.sent` or `message.failed`) in the
 * same transaction; a refusal that says the client cannot be written to marks the identity, a message
 * that went through clears that mark.
 */
export async function recordSendOutcome(store: Store, o: SendOutcome): Promise<MessageRow | undefined> {
  return store.transaction(async (tx) => {
    const { rows } = await sql<MessageRow & { contact_id: string; bot_id: string; channel: string }>`
      WITH recorded AS (
        UPDATE messages m SET
          delivery_state = ${o.state},
          delivery_error = ${o.error},
          external_message_id = coalesce(${o.externalMessageId}, m.external_message_id),
          send_next_at = ${o.state === 'queued' ? sql`now() + ${o.retryInMs ?? 0}::int * interval '1 millisecond'` : null},
          send_leased_until = NULL,
          sent_at = ${o.state === 'sent' ? sql`now()` : null}
        WHERE m.project_id = ${o.projectId} AND m.id = ${o.messageId} AND m.send_attempts = ${o.attempts} AND m.delivery_state = 'sending'
        RETURNING m.*
      )
      SELECT r.*, v.contact_id, v.bot_id, v.channel FROM (SELECT ${MESSAGE_COLUMNS} FROM recorded) r
      JOIN conversations v ON v.project_id = ${o.projectId} AND v.id = r.conversation_id`.execute(tx);
    const row = rows[0];
    if (!row) return undefined;
    const { contact_id, bot_id, channel, ...message } = row;
    if (o.state !== 'queued' && message.identity_id !== null) {
      let mark = tx
        .updateTable('identities')
        .set(o.unreachable ? { unreachable_at: sql<Date>`now()`, unreachable_reason: o.error } : { unreachable_at: null, unreachable_reason: null })
        .where('project_id', '=', o.projectId)
        .where('id', '=', message.identity_id);
      if (!o.unreachable) mark = mark.where('unreachable_at', 'is not', null);
      await mark.execute();
    }
    if (o.state !== 'queued') {
      await enqueueEvents(tx, o.projectId, [
        {
          type: o.state === 'sent' ? 'message.sent' : 'message.failed',
          contactId: contact_id,
          data: {
            message_id: message.id,
            conversation_id: message.conversation_id,
            contact_id,
            bot_id,
            channel,
            identity_id: message.identity_id,
            text: message.text,
            ...(o.state === 'sent' ? { external_message_id: message.external_message_id } : { error: message.delivery_error, unreachable: o.unreachable }),
          },
        },
      ]);
    }
    return message;
  });
}

/** One message as the API shows it; undefined when there is none. */
export async function selectMessage(db: Db, projectId: string, messageId: string): Promise<MessageRow | undefined> {
  const { rows } = await sql<MessageRow>`SELECT ${MESSAGE_COLUMNS} FROM messages WHERE project_id = ${projectId} AND id = ${messageId}`.execute(db);
  return rows[0];
}

/** Queues a failed outgoing message again, due now, with a fresh time to give up; undefined unless it was failed. */
export async function requeueFailedMessage(db: Db, projectId: string, messageId: string, giveUpMs: number): Promise<MessageRow | undefined> {
  const { rows } = await sql<MessageRow>`
    UPDATE messages SET delivery_state = 'queued', delivery_error = NULL, send_next_at = now(),
      send_give_up_at = now() + ${giveUpMs}::int * interval '1 millisecond', send_leased_until = NULL
    WHERE project_id = ${projectId} AND id = ${messageId} AND direction = 'out' AND delivery_state = 'failed'
    RETURNING ${MESSAGE_COLUMNS}`.execute(db);
  return rows[0];
}
