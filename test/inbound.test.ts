import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay } from '../bench/lib/relay.js';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('inbound resolution (docs/concepts.md)', () => {
  it('creates a contact, its identity and a conversation for a first message', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const first = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '1001', text: 'hello', profile: { name: 'Ann', username: '@ann' } });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ created: true, duplicate: false, actions: [], errors: [] });

    const card = await api('GET', `/v1/contacts/${first.body.contact_id}`);
    expect(card.body).toMatchObject({ name: 'Ann', state: 'active', conversations_count: 1 });
    expect(card.body.identities).toEqual([
      expect.objectContaining({ id: first.body.identity_id, channel: 'telegram', bot_id: bot.id, external_user_id: '1001', username: 'ann', window_open: true }),
    ]);
    const messages = await api('GET', `/v1/conversations/${first.body.conversation_id}/messages`);
    expect(messages.body.items).toEqual([expect.objectContaining({ direction: 'in', text: 'hello', identity_id: first.body.identity_id })]);
  });

  it('resolves later messages of the same identity to the same contact and conversation', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const first = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u', text: 'one' });
    const second = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u', text: 'two' });
    expect(second.body).toMatchObject({ created: false, contact_id: first.body.contact_id, conversation_id: first.body.conversation_id });
    const messages = await api('GET', `/v1/conversations/${first.body.conversation_id}/messages`);
    expect(messages.body.items.map((m: { text: string }) => m.text)).toEqual(['one', 'two']);
  });

  it('stores nothing new when the same platform message id arrives again', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const first = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u', text: 'hi', message_id: 'm-1' });
    const again = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u', text: 'hi', message_id: 'm-1' });
    expect(again.body).toMatchObject({ duplicate: true, message_id: first.body.message_id, conversation_id: first.body.conversation_id });
    const messages = await api('GET', `/v1/conversations/${first.body.conversation_id}/messages`);
    expect(messages.body.items).toHaveLength(1);
  });

  it('gives thirty concurrent first messages of one identity exactly one contact, keeping every message', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) => api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'rush', text: `m${i}`, message_id: `rush-${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200));
    expect(new Set(answers.map((a) => a.body.contact_id)).size).toBe(1);
    expect(new Set(answers.map((a) => a.body.conversation_id)).size).toBe(1);
    expect(answers.filter((a) => a.body.created)).toHaveLength(1);
    const list = await api('GET', '/v1/contacts?limit=200');
    expect(list.body.items).toHaveLength(1);
    const messages = await api('GET', `/v1/conversations/${answers[0].body.conversation_id}/messages?limit=200`);
    expect(messages.body.items).toHaveLength(30);
  });

  it('keeps concurrent first messages of different identities apart', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: `p${i % 10}` })));
    expect(new Set(answers.map((a) => a.body.contact_id)).size).toBe(10);
  });

  it('fills the contact from the profile without overwriting what it has', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { default_region: 'RU' });
    const bot = await connectBot(api);
    const first = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u', profile: { name: 'Ann' } });
    await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'u', profile: { name: 'Anna K', phone: '8 900 123-45-67', email: ' Ann@Example.COM ' } });
    const card = await api('GET', `/v1/contacts/${first.body.contact_id}`);
    expect(card.body).toMatchObject({ name: 'Ann', phone: '+79001234567', email: 'ann@example.com' });
    expect(card.body.identities[0].name).toBe('Anna K');
  });

  it('keeps the identity each message came from when one person writes from two accounts on one bot', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const a = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'acc-a', text: 'from a' });
    const b = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'acc-b', text: 'from b' });
    expect(a.body.identity_id).not.toBe(b.body.identity_id);
    const messages = await api('GET', `/v1/conversations/${a.body.conversation_id}/messages`);
    expect(messages.body.items[0]).toMatchObject({ text: 'from a', identity_id: a.body.identity_id });
  });

  it('refuses bad input with a 4xx that says what to fix, storing nothing', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const cases: Array<[unknown, number, string]> = [
      [{ external_user_id: 'u' }, 400, 'invalid_request'],
      [{ bot_id: bot.id }, 400, 'invalid_request'],
      [{ bot_id: bot.id, external_user_id: 42 }, 400, 'invalid_request'],
      [{ bot_id: bot.id, external_user_id: 'u', colour: 'red' }, 400, 'invalid_request'],
      [{ bot_id: '0190f0f0-0000-7000-8000-000000000000', external_user_id: 'u' }, 404, 'bot_not_found'],
      [{ bot_id: bot.id, external_user_id: 'u', profile: { phone: '12' } }, 422, 'invalid_phone'],
      [{ bot_id: bot.id, external_user_id: 'u', profile: { email: 'not-an-email' } }, 422, 'invalid_email'],
      ['{"bot_id": ', 400, 'invalid_json'],
    ];
    for (const [body, status, code] of cases) {
      const answer = await api('POST', '/v1/inbound', body);
      expect({ body, status: answer.status, code: answer.body.error?.code }).toEqual({ body, status, code });
      expect(answer.body.error.message.length).toBeGreaterThan(10);
    }
    const list = await api('GET', '/v1/contacts');
    expect(list.body.items).toEqual([]);
  });

  it('resolves a known identity in the same number of database statements whatever the contact holds', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const otherBot = await connectBot(api, 'viber', 'shop');
    const small = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'small' });
    const big = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'big' });
    for (let i = 0; i < 60; i++) await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'big', text: `m${i}` });
    await api('POST', '/v1/inbound', { bot_id: otherBot.id, external_user_id: 'big-elsewhere' });

    const cost = async (user: string) => {
      const before = server.queries();
      const answer = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: user, text: 'again' });
      expect(answer.status).toBe(200);
      return server.queries() - before;
    };
    await cost('small'); // warms the bot and key caches
    const smallCost = await cost('small');
    const bigCost = await cost('big');
    expect(bigCost).toBe(smallCost);
    expect(smallCost).toBeLessThanOrEqual(4); // BEGIN, identity, message, COMMIT
    expect(small.body.contact_id).not.toBe(big.body.contact_id);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('round trips to PostgreSQL (docs/performance.md)', () => {
  it('stores a known client’s message in three round trips: BEGIN travels with the first statement', async () => {
    // each write of the server waits for the database's answer before the next: its writes are its round trips
    const relay = await startRelay(process.env.DATABASE_URL!);
    // the sending worker sleeps through the test: its polls would be counted too
    const own = await startServer({ database: { databaseUrl: relay.url, poolSize: 2 }, sending: { pollMs: 600_000 } });
    try {
      const { api } = await own.project();
      const bot = await connectBot(api);
      const first = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'regular', text: 'hello' });
      expect(first.status).toBe(200);
      const writes: number[] = [];
      for (let i = 0; i < 10; i++) {
        const before = relay.clientWrites();
        const answer = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'regular', text: `again ${i}` });
        expect(answer.body.contact_id).toBe(first.body.contact_id);
        writes.push(relay.clientWrites() - before);
      }
      // BEGIN with the identity's statement, the message, COMMIT: three, where one at a time would be four
      // (the median: a background statement of the server's may fall into one message's count)
      expect(writes.sort((a, b) => a - b)[5]).toBe(3);
      const messages = await api('GET', `/v1/conversations/${first.body.conversation_id}/messages?limit=50`);
      expect(messages.body.items).toHaveLength(11);
    } finally {
      await own.close();
      await relay.close();
    }
  });

  it('runs a transaction’s statements inside it though BEGIN waits for the first, and a first statement that fails leaves the connection usable', async () => {
    const own = await startServer({ database: { databaseUrl: process.env.DATABASE_URL!, poolSize: 1 }, sending: { pollMs: 600_000 } });
    try {
      await expect(own.store.transaction((tx) => sql`SELECT 1 / 0`.execute(tx))).rejects.toThrow(/division by zero/);
      const [first, second] = await own.store.transaction(async (tx) => {
        const a = (await sql<{ at: string }>`SELECT now()::text AS at`.execute(tx)).rows[0].at;
        await sql`SELECT pg_sleep(0.05)`.execute(tx);
        return [a, (await sql<{ at: string }>`SELECT now()::text AS at`.execute(tx)).rows[0].at];
      });
      expect(second).toBe(first); // one transaction: now() is its start
      expect(await own.store.transaction(async () => 'nothing ran')).toBe('nothing ran');
    } finally {
      await own.close();
    }
  });
});
