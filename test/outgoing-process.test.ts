import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { INTERRUPTED } from '../src/events/outgoing.js';
import { privateDatabase } from './helpers/databases.js';
import { startMessengerApi } from './helpers/messenger-api.js';
import { spawnServer } from './helpers/process.js';
import { client, type Api } from './helpers/server.js';

// `omnimerge serve` killed with SIGKILL while sends are in flight, then started again on the
// same database. Where the messenger has an idempotency key (LINE's X-Line-Retry-Key) the send is
// repeated with the same key, so the client gets it once; where it has none (Telegram) the message is
// not repeated but failed with a reason that says the messenger may have it, for the operator to check
// and retry: the client never gets it twice.

const dirs: string[] = [];
const databases: Array<{ drop: () => Promise<void> }> = [];
afterAll(async () => {
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
  for (const database of databases) await database.drop();
});

/**
 * The database of the killed server. On PostgreSQL a fresh one: `omnimerge serve` sends every
 * project's queued messages, and other test files' servers queue theirs in the suite's database.
 */
async function databaseEnv(dataDir: string): Promise<Record<string, string>> {
  const database = await privateDatabase();
  databases.push(database);
  return database.url ? { DATABASE_URL: database.url } : { OMNIMERGE_DATA_DIR: dataDir, DATABASE_URL: '' };
}

async function messageIn(api: Api, conversationId: string, messageId: string) {
  const page = await api('GET', `/v1/conversations/${conversationId}/messages`);
  return page.body.items.find((m: { id: string }) => m.id === messageId);
}

describe('outgoing messages across a crash', () => {
  it('sends nothing twice when the server is killed mid-send and started again', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'omnimerge-'));
    dirs.push(dataDir);
    const messenger = await startMessengerApi();
    const env = {
      ...(await databaseEnv(dataDir)),
      OMNIMERGE_API_KEY: `key-${Math.random().toString(36).slice(2)}`,
      OMNIMERGE_TELEGRAM_API_URL: `${messenger.url}/telegram`,
      OMNIMERGE_LINE_API_URL: `${messenger.url}/line`,
      // the lease is twice the API timeout and a second: long enough that the killed server does not time out
      // (and retry) before it dies, short enough that the restarted one takes over its sends soon
      OMNIMERGE_SEND_TIMEOUT_MS: '6000',
      OMNIMERGE_SEND_POLL_MS: '100',
    };
    const first = await spawnServer(env, 90_000);
    try {
      const api = client(first.url, env.OMNIMERGE_API_KEY);
      const telegram = (await api('POST', '/v1/bots', { channel: 'telegram', token: '42:crash' })).body;
      const line = (await api('POST', '/v1/bots', { channel: 'line', handle: '@crash', token: 'line-crash-token' })).body;
      const tgChat = (await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: '9001', text: 'hi' })).body;
      const lineChat = (await api('POST', '/v1/inbound', { bot_id: line.id, external_user_id: 'U4af4980629', text: 'hi' })).body;

      // connecting the Telegram bot asked getMe: only the sends count from here
      messenger.requests.length = 0;
      // the messenger takes both requests and does not answer before the server dies
      messenger.hold = true;
      const tgMessage = (await api('POST', `/v1/conversations/${tgChat.conversation_id}/messages`, { text: 'in flight on telegram' })).body;
      const lineMessage = (await api('POST', `/v1/conversations/${lineChat.conversation_id}/messages`, { text: 'in flight on line' })).body;
      await expect.poll(() => messenger.requests.length, { timeout: 20_000 }).toBe(2);
      expect(await first.stop('SIGKILL')).toBe(null);
      messenger.hold = false;

      const second = await spawnServer(env, 90_000);
      try {
        const again = client(second.url, env.OMNIMERGE_API_KEY);
        await expect.poll(async () => (await messageIn(again, lineChat.conversation_id, lineMessage.id)).delivery_state, { timeout: 60_000 }).toBe('sent');
        await expect.poll(async () => (await messageIn(again, tgChat.conversation_id, tgMessage.id)).delivery_state, { timeout: 60_000 }).toBe('failed');

        // LINE: sent again with the same retry key, which LINE accepts once
        const lineTries = messenger.requests.filter((r) => r.path.startsWith('/line/'));
        expect(lineTries.length).toBeGreaterThanOrEqual(2);
        expect(new Set(lineTries.map((r) => r.headers['x-line-retry-key']))).toEqual(new Set([lineMessage.id]));
        // Telegram: not sent again; the operator reads why and decides
        expect(messenger.requests.filter((r) => r.path.startsWith('/telegram/'))).toHaveLength(1);
        expect(await messageIn(again, tgChat.conversation_id, tgMessage.id)).toMatchObject({ delivery_state: 'failed', delivery_error: INTERRUPTED });

        const retried = await again('POST', `/v1/messages/${tgMessage.id}/retry`);
        expect(retried.status).toBe(202);
        await expect.poll(async () => (await messageIn(again, tgChat.conversation_id, tgMessage.id)).delivery_state, { timeout: 60_000 }).toBe('sent');
        expect(messenger.requests.filter((r) => r.path.startsWith('/telegram/'))).toHaveLength(2);

        const events = (await again('GET', '/v1/events?limit=100')).body.items.filter((e: { type: string }) => e.type.startsWith('message.'));
        expect(events.map((e: { type: string; data: { message_id: string } }) => [e.type, e.data.message_id])).toEqual([
          expect.anything(),
          expect.anything(),
          ['message.sent', tgMessage.id],
        ]);
        expect(events.slice(0, 2).map((e: { type: string; data: { message_id: string } }) => [e.type, e.data.message_id]).sort()).toEqual(
          [
            ['message.failed', tgMessage.id],
            ['message.sent', lineMessage.id],
          ].sort(),
        );
      } finally {
        await second.stop('SIGTERM');
      }
    } finally {
      await first.stop('SIGKILL');
      await messenger.close();
    }
  }, 300_000);
});
