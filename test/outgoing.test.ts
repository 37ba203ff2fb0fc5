import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// docs/messengers.md, sending: outgoing messages survive a messenger outage. Each is written `queued` and sent by the
// server's sending worker, retried through refused connections, 429s and 5xx, failed at once on a
// refusal the messenger will repeat; in order per person; `message.sent` / `message.failed` events.
// Also: a link completed through a messenger's webhook sends its tag, and each messenger's text limit.

const GIVE_UP_MS = 20_000;
const TG_TOKEN = '123456:ABC-outage';
let down: { port: number };
let fake: FakeMessengerApi;
let server: TestServer;

beforeAll(async () => {
  // a port where nothing listens yet: the "messenger" for the outage test, brought up there later
  const probe = await startMessengerApi();
  down = { port: Number(new URL(probe.url).port) };
  await probe.close();
  fake = await startMessengerApi();
  server = await startServer({
    messengerApiUrls: {
      telegram: `${fake.url}/telegram`,
      whatsapp: `${fake.url}/whatsapp`,
      facebook: `${fake.url}/facebook`,
      viber: `http://127.0.0.1:${down.port}/viber`,
    },
    sending: { retry: { baseMs: 100, maxDelayMs: 400 }, giveUpMs: GIVE_UP_MS, pollMs: 200 },
  });
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

/** A bot with a token, a person who wrote to it, and their conversation. */
async function conversation(api: Api, channel: string, bot: Record<string, string>, externalUserId: string) {
  // a Telegram token's bot is the one getMe names (the stand-in's is @shop)
  const created = await api('POST', '/v1/bots', { channel, handle: channel === 'telegram' ? 'shop' : `shop_${channel}`, name: 'Shop', ...bot });
  expect(created.status).toBe(201);
  const inbound = await api('POST', '/v1/inbound', { bot_id: created.body.id, external_user_id: externalUserId, text: 'hi' });
  return { bot: created.body, ...inbound.body };
}

async function message(api: Api, conversationId: string, messageId: string) {
  const page = await api('GET', `/v1/conversations/${conversationId}/messages?limit=200`);
  return page.body.items.find((m: { id: string }) => m.id === messageId);
}

/** Polls until the message is in one of `states`; answers it. */
async function until(api: Api, conversationId: string, messageId: string, states: string[], timeout = 20_000) {
  await expect.poll(async () => (await message(api, conversationId, messageId))?.delivery_state, { timeout, interval: 100 }).toSatisfy((s: string) => states.includes(s));
  return message(api, conversationId, messageId);
}

async function eventsOf(projectId: string, type: string) {
  return server.store.db.selectFrom('outbox').select(['type', 'contact_id', 'data']).where('project_id', '=', projectId).where('type', '=', type).orderBy('id').execute();
}

const forTelegram = (r: { path: string }) => r.path.startsWith(`/telegram/bot${TG_TOKEN}/`);

describe('outgoing messages through a messenger outage', () => {
  it('delivers through refused connections, a 429 with Retry-After and a 500, exactly once and in order with the next message', async () => {
    const { api, projectId } = await server.project();
    const viberToken = '445da6az1s345z78-outage-token';
    const chat = await conversation(api, 'viber', { token: viberToken }, '01234567890A=');

    const first = await api('POST', `/v1/conversations/${chat.conversation_id}/messages`, { text: 'first' });
    const second = await api('POST', `/v1/conversations/${chat.conversation_id}/messages`, { text: 'second' });
    expect([first.status, first.body.delivery_state, second.status, second.body.delivery_state]).toEqual([202, 'queued', 202, 'queued']);

    // the messenger refuses connections: the first message waits for its next try, the second behind it
    await expect.poll(async () => (await message(api, chat.conversation_id, first.body.id)).delivery_error, { timeout: 20_000 }).toMatch(/ECONNREFUSED/);
    // between attempts it is queued, during one sending: never sent, never failed
    expect(await message(api, chat.conversation_id, first.body.id)).toMatchObject({ delivery_state: expect.stringMatching(/^(queued|sending)$/), external_message_id: null });
    expect(await message(api, chat.conversation_id, second.body.id)).toMatchObject({ delivery_state: 'queued', delivery_error: null });

    // it comes back, first busy (429 with retry_after), then broken (500), then well
    const messenger = await startMessengerApi(down.port);
    let firstSent: { external_message_id: string };
    try {
      messenger.queue(
        { status: 429, headers: { 'retry-after': '1' }, body: { status: 12, status_message: 'tooManyRequests' } },
        { status: 500, body: { status: 13, status_message: 'internal error' } },
      );
      const sent = await until(api, chat.conversation_id, second.body.id, ['sent', 'failed']);
      expect(sent).toMatchObject({ delivery_state: 'sent', delivery_error: null });
      firstSent = await message(api, chat.conversation_id, first.body.id);
      expect(firstSent).toMatchObject({ delivery_state: 'sent', delivery_error: null, external_message_id: expect.stringMatching(/^\d{19}$/) });

      // three attempts of "first" reached it (429, 500, accepted), then "second" once: each accepted once, in order
      expect(messenger.requests.map((r) => r.json.text)).toEqual(['first', 'first', 'first', 'second']);
      expect(messenger.requests.every((r) => r.headers['x-viber-auth-token'] === viberToken)).toBe(true);
      const [busy, broken] = messenger.requests;
      // the 429 said Retry-After: 1 (seconds), longer than the backoff: it was waited
      expect(broken.at - busy.at).toBeGreaterThanOrEqual(950);
    } finally {
      await messenger.close();
    }
    const attempts = await server.store.db.selectFrom('messages').select(['text', 'send_attempts']).where('project_id', '=', projectId).where('direction', '=', 'out').orderBy('id').execute();
    expect(attempts[0].send_attempts).toBeGreaterThanOrEqual(4); // at least one refused connection, then 429, 500, accepted
    expect(attempts[1]).toEqual({ text: 'second', send_attempts: 1 }); // never tried before "first" was through

    const events = await eventsOf(projectId, 'message.sent');
    expect(events.map((e) => e.data.message_id)).toEqual([first.body.id, second.body.id]);
    expect(events[0]).toMatchObject({ contact_id: chat.contact_id, data: { conversation_id: chat.conversation_id, channel: 'viber', text: 'first', external_message_id: firstSent.external_message_id } });
  });

  it("waits the 429's retry_after (Telegram's parameters.retry_after) before the next try", async () => {
    const { api } = await server.project();
    const chat = await conversation(api, 'telegram', { token: TG_TOKEN }, '7001');
    fake.requests.length = 0;
    fake.queue({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } } });
    const queued = await api('POST', `/v1/conversations/${chat.conversation_id}/messages`, { text: 'patience' });
    const sent = await until(api, chat.conversation_id, queued.body.id, ['sent', 'failed']);
    expect(sent.delivery_state).toBe('sent');
    const tries = fake.requests.filter(forTelegram);
    expect(tries).toHaveLength(2);
    expect(tries[1].at - tries[0].at).toBeGreaterThanOrEqual(950);
  });

  it('fails at once, without another try, when a 429 asks to wait past the time to give up', async () => {
    const { api, projectId } = await server.project();
    const chat = await conversation(api, 'telegram', { token: TG_TOKEN }, '7002');
    fake.requests.length = 0;
    fake.queue({ status: 429, body: { ok: false, error_code: 429, description: 'Too Many Requests: retry after 3600', parameters: { retry_after: 3600 } } });
    const answer = await api('POST', `/v1/conversations/${chat.conversation_id}/messages?wait=true`, { text: 'not today' });
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ delivery_state: 'failed', delivery_error: expect.stringMatching(/429: Too Many Requests: retry after 3600 \(gave up after 1 attempt\)/) });
    expect(fake.requests.filter(forTelegram)).toHaveLength(1);
    expect((await eventsOf(projectId, 'message.failed')).map((e) => e.data)).toEqual([expect.objectContaining({ message_id: answer.body.id, error: answer.body.delivery_error, unreachable: false })]);
  });

  it('marks a client who blocked the bot unreachable: the message fails at once, the card and the window say so until the client writes again', async () => {
    const { api } = await server.project();
    const telegram = await conversation(api, 'telegram', { token: TG_TOKEN }, '7003');
    const whatsapp = await conversation(api, 'whatsapp', { token: 'EAAG-wa', account_id: '106540352242922' }, '16505550003');
    // one person on both (as after a merge)
    await sql`UPDATE identities SET contact_id = ${telegram.contact_id} WHERE id = ${whatsapp.identity_id}`.execute(server.store.db);
    await sql`UPDATE conversations SET contact_id = ${telegram.contact_id} WHERE id = ${whatsapp.conversation_id}`.execute(server.store.db);
    await sql`UPDATE identities SET last_inbound_at = now() - interval '30 hours' WHERE id = ${whatsapp.identity_id}`.execute(server.store.db);

    fake.requests.length = 0;
    fake.queue({ status: 403, body: { ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' } });
    const refused = await api('POST', `/v1/conversations/${telegram.conversation_id}/messages?wait=true`, { text: 'still there?' });
    expect(refused.body).toMatchObject({ delivery_state: 'failed', delivery_error: '403: Forbidden: bot was blocked by the user' });
    expect(fake.requests.filter(forTelegram)).toHaveLength(1);

    const card = await api('GET', `/v1/contacts/${telegram.contact_id}`);
    const tg = card.body.identities.find((i: { channel: string }) => i.channel === 'telegram');
    expect(tg).toMatchObject({ reachable: false, unreachable_reason: '403: Forbidden: bot was blocked by the user', window_open: false });
    expect(card.body.recommended_channel).toBeNull(); // WhatsApp's window is shut too

    const again = await api('POST', `/v1/conversations/${telegram.conversation_id}/messages`, { text: 'hello?' });
    expect(again.status).toBe(422);
    expect(again.body.error).toMatchObject({ code: 'recipient_unreachable', message: expect.stringContaining('bot was blocked by the user') });

    // the client unblocks and writes: reachable again
    await api('POST', '/v1/inbound', { bot_id: telegram.bot.id, external_user_id: '7003', text: 'I am back' });
    const after = await api('GET', `/v1/contacts/${telegram.contact_id}`);
    expect(after.body.identities.find((i: { channel: string }) => i.channel === 'telegram')).toMatchObject({ reachable: true, unreachable_reason: null, window_open: true });
    expect(after.body.recommended_channel).toBe('telegram');
    const welcome = await api('POST', `/v1/conversations/${telegram.conversation_id}/messages?wait=true`, { text: 'welcome back' });
    expect(welcome.body.delivery_state).toBe('sent');
  });

  it("fails at once with Meta's words when a WhatsApp message is outside the 24-hour window", async () => {
    const { api } = await server.project();
    const chat = await conversation(api, 'whatsapp', { token: 'EAAG-wa', account_id: '106540352242922' }, '16505550004');
    fake.requests.length = 0;
    fake.queue({
      status: 400,
      body: {
        error: {
          message: '(#131047) Re-engagement message',
          type: 'OAuthException',
          code: 131047,
          error_data: { messaging_product: 'whatsapp', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
          fbtrace_id: 'AbCdEf',
        },
      },
    });
    const answer = await api('POST', `/v1/conversations/${chat.conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(answer.body).toMatchObject({
      delivery_state: 'failed',
      delivery_error: '400: (#131047) Re-engagement message: Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
    });
    expect(fake.requests).toHaveLength(1);
    const card = await api('GET', `/v1/contacts/${chat.contact_id}`);
    expect(card.body.identities[0].reachable).toBe(true);
  });

  it("retries Meta's rate limit (code 4, sent as a 400) and then sends", async () => {
    const { api } = await server.project();
    const chat = await conversation(api, 'facebook', { token: 'EAAG-page' }, '6789012345678901');
    fake.requests.length = 0;
    fake.queue({ status: 400, body: { error: { message: '(#4) Application request limit reached', type: 'OAuthException', code: 4 } } });
    const answer = await api('POST', `/v1/conversations/${chat.conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(answer.body).toMatchObject({ delivery_state: 'sent', external_message_id: 'm_out_1' });
    expect(fake.requests).toHaveLength(2);
  });

  it('sends a failed message again on POST /v1/messages/{id}/retry, and refuses to retry any other', async () => {
    const { api, projectId } = await server.project();
    const chat = await conversation(api, 'telegram', { token: TG_TOKEN }, '7005');
    fake.queue({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } });
    const failed = await api('POST', `/v1/conversations/${chat.conversation_id}/messages?wait=true`, { text: 'once more' });
    expect(failed.body.delivery_state).toBe('failed');

    const retried = await api('POST', `/v1/messages/${failed.body.id}/retry`);
    expect(retried.status).toBe(202);
    expect(retried.body).toMatchObject({ id: failed.body.id, delivery_state: 'queued', delivery_error: null, text: 'once more' });
    const sent = await until(api, chat.conversation_id, failed.body.id, ['sent', 'failed']);
    expect(sent).toMatchObject({ delivery_state: 'sent', external_message_id: expect.stringMatching(/^\d+$/) });
    expect((await eventsOf(projectId, 'message.failed')).length).toBe(1);
    expect((await eventsOf(projectId, 'message.sent')).map((e) => e.data.message_id)).toEqual([failed.body.id]);

    const again = await api('POST', `/v1/messages/${failed.body.id}/retry`);
    const inbound = await api('POST', `/v1/messages/${chat.message_id}/retry`);
    const unknown = await api('POST', '/v1/messages/0190f0f0-0000-7000-8000-000000000000/retry');
    const foreign = await (await server.project()).api('POST', `/v1/messages/${failed.body.id}/retry`);
    expect([again, inbound, unknown, foreign].map((a) => [a.status, a.body.error.code])).toEqual([
      [409, 'message_not_failed'],
      [409, 'message_not_failed'],
      [404, 'message_not_found'],
      [404, 'message_not_found'],
    ]);
  });
});

describe("each messenger's text limit", () => {
  it.each([
    ['facebook', 2000, { token: 'EAAG-page' }],
    ['telegram', 4096, { token: TG_TOKEN }],
  ] as const)('refuses a %s text longer than %i characters with 422 text_too_long, and takes one of that length', async (channel, limit, bot) => {
    const { api } = await server.project();
    const chat = await conversation(api, channel, bot, channel === 'facebook' ? '6789012345678902' : '7006');
    const over = await api('POST', `/v1/conversations/${chat.conversation_id}/messages`, { text: 'a'.repeat(limit + 5) });
    expect(over.status).toBe(422);
    expect(over.body.error).toEqual({ code: 'text_too_long', message: `${channel} takes at most ${limit} characters in one message; this text has ${limit + 5}: shorten it by 5 or send it as several messages` });
    const messages = await api('GET', `/v1/conversations/${chat.conversation_id}/messages`);
    expect(messages.body.items).toHaveLength(1);
    const at = await api('POST', `/v1/conversations/${chat.conversation_id}/messages?wait=true`, { text: 'a'.repeat(limit) });
    expect([at.status, at.body.delivery_state]).toEqual([201, 'sent']);
  });
});

describe('a link completed through a messenger webhook sends its tag', () => {
  it("sends the tag message through the bot's connector and records it in the conversation; /v1/inbound only returns it", async () => {
    const { api } = await server.project();
    const bot = await api('POST', '/v1/bots', { channel: 'telegram', handle: 'shop', secret: 'tg-webhook-secret', token: TG_TOKEN });
    const ann = await api('POST', '/v1/contacts', { name: 'Ann' });
    const link = await api('POST', `/v1/contacts/${ann.body.id}/merge-link`, { channel: 'telegram', tag: 'Welcome to Telegram, Ann!' });
    fake.requests.length = 0;

    const update = { update_id: 1, message: { message_id: 1, date: 1717000000, chat: { id: 424242, type: 'private' }, from: { id: 424242, is_bot: false, first_name: 'Ann' }, text: `/start ${link.body.token}` } };
    const hook = await fetch(`${server.url}/v1/channels/telegram/${bot.body.id}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'tg-webhook-secret' },
      body: JSON.stringify(update),
    });
    expect(hook.status).toBe(200);

    await expect.poll(() => fake.requests.filter(forTelegram).length, { timeout: 20_000 }).toBe(1);
    expect(fake.requests[0]).toMatchObject({ path: `/telegram/bot${TG_TOKEN}/sendMessage`, json: { chat_id: '424242', text: 'Welcome to Telegram, Ann!' } });
    const conversations = await api('GET', `/v1/contacts/${ann.body.id}/conversations`);
    const messages = await api('GET', `/v1/conversations/${conversations.body.items[0].id}/messages`);
    await expect
      .poll(async () => (await api('GET', `/v1/conversations/${conversations.body.items[0].id}/messages`)).body.items.map((m: { direction: string; text: string; delivery_state: string | null }) => [m.direction, m.text, m.delivery_state]))
      .toEqual([
        ['in', `/start ${link.body.token}`, null],
        ['out', 'Welcome to Telegram, Ann!', 'sent'],
      ]);
    expect(messages.body.items[1].identity_id).toBe(messages.body.items[0].identity_id);

    // the same through POST /v1/inbound: the caller gets the action and sends it itself
    const bob = await api('POST', '/v1/contacts', { name: 'Bob' });
    const bobLink = await api('POST', `/v1/contacts/${bob.body.id}/merge-link`, { channel: 'telegram', tag: 'Hi Bob' });
    const inbound = await api('POST', '/v1/inbound', { bot_id: bot.body.id, external_user_id: '535353', text: `/start ${bobLink.body.token}`, payload: bobLink.body.token });
    expect(inbound.body.actions).toEqual([expect.objectContaining({ type: 'send_message', text: 'Hi Bob' })]);
    const bobMessages = await api('GET', `/v1/conversations/${inbound.body.conversation_id}/messages`);
    expect(bobMessages.body.items.map((m: { direction: string }) => m.direction)).toEqual(['in']);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(fake.requests.filter(forTelegram)).toHaveLength(1);
  });
});

describe.skipIf(!process.env.DATABASE_URL)('two servers on one PostgreSQL', () => {
  it('share the queue: every message is sent once, in order per person', async () => {
    const { api, projectId } = await server.project();
    const other = await startServer({ messengerApiUrls: { telegram: `${fake.url}/telegram` }, sending: { projects: new Set([projectId]), pollMs: 50 } });
    try {
      const bot = await api('POST', '/v1/bots', { channel: 'telegram', handle: 'shop', token: TG_TOKEN });
      const people = ['8101', '8102', '8103', '8104'];
      const chats = await Promise.all(people.map(async (id) => (await api('POST', '/v1/inbound', { bot_id: bot.body.id, external_user_id: id, text: 'hi' })).body));
      fake.requests.length = 0;
      const sends = [];
      for (let n = 1; n <= 5; n++) for (const chat of chats) sends.push(await api('POST', `/v1/conversations/${chat.conversation_id}/messages`, { text: `#${n}` }));
      expect(sends.every((s) => s.status === 202)).toBe(true);
      await expect.poll(() => fake.requests.filter(forTelegram).length, { timeout: 30_000 }).toBe(20);
      await new Promise((resolve) => setTimeout(resolve, 500));
      const received = fake.requests.filter(forTelegram);
      expect(received).toHaveLength(20);
      for (const person of people) {
        expect(received.filter((r) => r.json.chat_id === person).map((r) => r.json.text)).toEqual(['#1', '#2', '#3', '#4', '#5']);
      }
    } finally {
      await other.close();
    }
  });
});
