import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// docs/links.md, docs/messengers.md, docs/api.md: POST /v1/conversations/{id}/messages queues the message; the sending worker sends
// it through the messenger's real HTTP API (here a local stand-in that records each request) and
// records the delivery state. `?wait=true` waits for the outcome.

let fake: FakeMessengerApi;
let server: TestServer;
const MESSENGERS = ['telegram', 'facebook', 'instagram', 'whatsapp', 'viber', 'vk', 'line'] as const;
type Messenger = (typeof MESSENGERS)[number];

beforeAll(async () => {
  fake = await startMessengerApi();
  // quick retries: a transient failure is tried again within a wait=true answer
  server = await startServer({ messengerApiUrls: Object.fromEntries(MESSENGERS.map((m) => [m, `${fake.url}/${m}`])), sending: { retry: { baseMs: 50, maxDelayMs: 200 } } });
});
afterAll(async () => {
  await server.close();
  await fake.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

/** A bot, a person who wrote to it, and their conversation. */
async function conversation(api: Api, channel: string, bot: Record<string, string> = {}, externalUserId = '16505551234') {
  const created = await api('POST', '/v1/bots', { channel, handle: 'shop', name: 'Shop', ...bot });
  expect(created.status).toBe(201);
  fake.requests.length = 0; // a Telegram token was checked with getMe: only what is sent from here on counts
  const inbound = await api('POST', '/v1/inbound', { bot_id: created.body.id, external_user_id: externalUserId, text: 'hi' });
  return { bot: created.body, ...inbound.body };
}

async function setLastInbound(identityId: string, hoursAgo: number) {
  await sql`UPDATE identities SET last_inbound_at = now() - make_interval(hours => ${hoursAgo}) WHERE id = ${identityId}`.execute(server.store.db);
}

const UUID = /^[0-9a-f-]{36}$/;

/** For each messenger: the bot's credentials, the request its API must receive, and the id it answers. */
const CONNECTORS: Record<Messenger, { bot: Record<string, string>; request: (to: string, text: string) => Record<string, unknown>; externalId: unknown }> = {
  telegram: {
    bot: { token: '123456:ABC-DEF1234ghIkl' },
    request: (to, text) => ({ method: 'POST', path: '/telegram/bot123456:ABC-DEF1234ghIkl/sendMessage', json: { chat_id: to, text } }),
    externalId: expect.stringMatching(/^\d+$/), // the stand-in counts its message ids up from 4242
  },
  facebook: {
    bot: { token: 'EAAG-page-token' },
    request: (to, text) => ({ path: '/facebook/me/messages', headers: expect.objectContaining({ authorization: 'Bearer EAAG-page-token' }), json: { recipient: { id: to }, messaging_type: 'RESPONSE', message: { text } } }),
    externalId: 'm_out_1',
  },
  instagram: {
    bot: { token: 'IGAA-token' },
    request: (to, text) => ({ path: '/instagram/me/messages', headers: expect.objectContaining({ authorization: 'Bearer IGAA-token' }), json: { recipient: { id: to }, messaging_type: 'RESPONSE', message: { text } } }),
    externalId: 'm_out_1',
  },
  whatsapp: {
    bot: { token: 'EAAG-system-user-token', account_id: '106540352242922' },
    request: (to, text) => ({
      path: '/whatsapp/106540352242922/messages',
      headers: expect.objectContaining({ authorization: 'Bearer EAAG-system-user-token' }),
      json: { messaging_product: 'whatsapp', recipient_type: 'individual', to, type: 'text', text: { preview_url: false, body: text } },
    }),
    externalId: 'wamid.OUT1',
  },
  viber: {
    bot: { token: '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9' },
    request: (to, text) => ({
      path: '/viber/pa/send_message',
      headers: expect.objectContaining({ 'x-viber-auth-token': '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9' }),
      json: { receiver: to, min_api_version: 1, sender: { name: 'Shop' }, type: 'text', text },
    }),
    externalId: expect.stringMatching(/^57413118035717210\d\d$/), // a 64-bit token, kept exactly
  },
  vk: {
    bot: { token: 'vk1.a.community-token' },
    request: (to, text) => ({ path: '/vk/messages.send', form: { access_token: 'vk1.a.community-token', v: '5.199', user_id: to, random_id: expect.stringMatching(/^-?\d+$/), message: text } }),
    externalId: '777',
  },
  line: {
    bot: { token: 'line-channel-access-token' },
    request: (to, text) => ({
      path: '/line/v2/bot/message/push',
      headers: expect.objectContaining({ authorization: 'Bearer line-channel-access-token', 'x-line-retry-key': expect.stringMatching(UUID) }),
      json: { to, messages: [{ type: 'text', text }] },
    }),
    externalId: '461230966842064897',
  },
};

describe('sending a message into a conversation (docs/api.md)', () => {
  it.each(MESSENGERS)("sends through the %s API when the bot has a token and records it as sent", async (messenger) => {
    const { api } = await server.project();
    const { bot, conversation_id, identity_id } = await conversation(api, messenger, CONNECTORS[messenger].bot);
    const sent = await api('POST', `/v1/conversations/${conversation_id}/messages?wait=true`, { text: 'Yes, in blue too.' });

    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ direction: 'out', text: 'Yes, in blue too.', identity_id, delivery_state: 'sent', delivery_error: null, external_message_id: CONNECTORS[messenger].externalId });
    expect(fake.requests).toEqual([expect.objectContaining(CONNECTORS[messenger].request('16505551234', 'Yes, in blue too.'))]);
    const messages = await api('GET', `/v1/conversations/${conversation_id}/messages`);
    expect(messages.body.items.map((m: { direction: string; delivery_state: string }) => [m.direction, m.delivery_state])).toEqual([
      ['in', null],
      ['out', 'sent'],
    ]);
    expect(bot.has_token).toBe(true);
  });

  it('answers 202 with the queued message at once, and the message is sent after the answer', async () => {
    const { api } = await server.project();
    const { conversation_id } = await conversation(api, 'telegram', CONNECTORS.telegram.bot);
    const queued = await api('POST', `/v1/conversations/${conversation_id}/messages`, { text: 'on its way' });
    expect(queued.status).toBe(202);
    expect(queued.body).toMatchObject({ direction: 'out', text: 'on its way', delivery_state: 'queued', external_message_id: null });
    await expect
      .poll(async () => (await api('GET', `/v1/conversations/${conversation_id}/messages`)).body.items.at(-1).delivery_state, { timeout: 10_000 })
      .toBe('sent');
    expect(fake.requests).toHaveLength(1);
  });

  it('hands the message over as a message.outbound event when the bot has no token', async () => {
    const { api, projectId } = await server.project();
    const { conversation_id, contact_id, identity_id, bot } = await conversation(api, 'telegram');
    const sent = await api('POST', `/v1/conversations/${conversation_id}/messages`, { text: 'Hello from the operator' });

    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({ direction: 'out', delivery_state: 'handed_over', identity_id });
    expect(fake.requests).toEqual([]);
    const events = await server.store.db.selectFrom('outbox').select(['type', 'contact_id', 'data']).where('project_id', '=', projectId).where('type', '=', 'message.outbound').execute();
    expect(events).toEqual([
      {
        type: 'message.outbound',
        contact_id,
        data: { message_id: sent.body.id, conversation_id, contact_id, bot_id: bot.id, channel: 'telegram', identity_id, external_user_id: '16505551234', text: 'Hello from the operator' },
      },
    ]);
  });

  it('hands over messages of channels without a connector even when the bot has a token', async () => {
    const { api } = await server.project();
    const { conversation_id } = await conversation(api, 'webchat', { token: 'whatever' });
    const sent = await api('POST', `/v1/conversations/${conversation_id}/messages`, { text: 'hello' });
    expect(sent.body.delivery_state).toBe('handed_over');
    expect(fake.requests).toEqual([]);
  });

  it("retries the messenger's 5xx and 429 answers and then records the message as sent", async () => {
    const { api } = await server.project();
    const { conversation_id } = await conversation(api, 'line', CONNECTORS.line.bot);
    fake.queue({ status: 502, body: { message: 'Bad gateway' } }, { status: 429, body: { message: 'The API rate limit has been exceeded.' } });
    const sent = await api('POST', `/v1/conversations/${conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(sent.body).toMatchObject({ delivery_state: 'sent', external_message_id: '461230966842064897' });
    expect(fake.requests).toHaveLength(3);
    // the same retry key on every attempt: LINE sends the message once
    expect(new Set(fake.requests.map((r) => r.headers['x-line-retry-key'])).size).toBe(1);

    fake.requests.length = 0;
    const vk = await conversation(api, 'vk', CONNECTORS.vk.bot, '123456789');
    fake.queue({ status: 200, body: { error: { error_code: 6, error_msg: 'Too many requests per second' } } });
    const afterFlood = await api('POST', `/v1/conversations/${vk.conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(afterFlood.body).toMatchObject({ delivery_state: 'sent', external_message_id: '777' });
    // the same random_id on every attempt: VK sends the message once
    expect(fake.requests.map((r) => r.form?.random_id)).toEqual([fake.requests[0].form?.random_id, fake.requests[0].form?.random_id]);
  });

  it("records a refusal as failed with the messenger's reason, without retrying it", async () => {
    const { api } = await server.project();
    const telegram = await conversation(api, 'telegram', CONNECTORS.telegram.bot);
    fake.queue({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } });
    const refused = await api('POST', `/v1/conversations/${telegram.conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(refused.status).toBe(201);
    expect(refused.body).toMatchObject({ delivery_state: 'failed', delivery_error: expect.stringContaining('chat not found'), external_message_id: null });
    expect(fake.requests).toHaveLength(1);

    const vk = await conversation(api, 'vk', CONNECTORS.vk.bot, '123456789');
    fake.queue({ status: 200, body: { error: { error_code: 901, error_msg: "Can't send messages for users without permission" } } });
    const denied = await api('POST', `/v1/conversations/${vk.conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(denied.body).toMatchObject({ delivery_state: 'failed', delivery_error: expect.stringContaining('901') });

    const viber = await conversation(api, 'viber', CONNECTORS.viber.bot, '01234567890A=');
    fake.queue({ status: 200, body: { status: 6, status_message: 'notSubscribed' } });
    const notSubscribed = await api('POST', `/v1/conversations/${viber.conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(notSubscribed.body).toMatchObject({ delivery_state: 'failed', delivery_error: expect.stringContaining('notSubscribed') });
  });

  it('answers the identity that last wrote when one person has two accounts on one bot', async () => {
    const { api } = await server.project();
    const a = await conversation(api, 'telegram', CONNECTORS.telegram.bot, '1001');
    const b = await api('POST', '/v1/inbound', { bot_id: a.bot.id, external_user_id: '1002', text: 'first from b' });
    // both accounts belong to one contact (as after a merge)
    await sql`UPDATE identities SET contact_id = ${a.contact_id} WHERE id = ${b.body.identity_id}`.execute(server.store.db);
    const again = await api('POST', '/v1/inbound', { bot_id: a.bot.id, external_user_id: '1002', text: 'now from b' });
    expect(again.body.conversation_id).toBe(a.conversation_id);

    await api('POST', `/v1/conversations/${a.conversation_id}/messages?wait=true`, { text: 'to b' });
    await api('POST', '/v1/inbound', { bot_id: a.bot.id, external_user_id: '1001', text: 'a again' });
    await api('POST', `/v1/conversations/${a.conversation_id}/messages?wait=true`, { text: 'to a' });
    expect(fake.requests.map((r) => [r.json.chat_id, r.json.text])).toEqual([
      ['1002', 'to b'],
      ['1001', 'to a'],
    ]);
  });

  it('refuses empty text and unknown conversations with a 4xx that says what to fix', async () => {
    const { api } = await server.project();
    const { conversation_id } = await conversation(api, 'telegram', CONNECTORS.telegram.bot);
    const empty = await api('POST', `/v1/conversations/${conversation_id}/messages`, { text: '' });
    const blank = await api('POST', `/v1/conversations/${conversation_id}/messages`, { text: '   ' });
    const unknown = await api('POST', '/v1/conversations/0190f0f0-0000-7000-8000-000000000000/messages', { text: 'hi' });
    expect([empty, blank, unknown].map((a) => [a.status, a.body.error.code])).toEqual([
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [404, 'conversation_not_found'],
    ]);
    expect(fake.requests).toEqual([]);
  });
});

describe('messaging window (docs/messengers.md)', () => {
  /** A contact who wrote on WhatsApp and on Telegram (joined as a merge would). */
  async function whatsappAndTelegram(api: Api) {
    const whatsapp = await conversation(api, 'whatsapp', CONNECTORS.whatsapp.bot);
    const telegram = await conversation(api, 'telegram', CONNECTORS.telegram.bot, '1111111');
    await sql`UPDATE identities SET contact_id = ${whatsapp.contact_id} WHERE id = ${telegram.identity_id}`.execute(server.store.db);
    await sql`UPDATE conversations SET contact_id = ${whatsapp.contact_id} WHERE id = ${telegram.conversation_id}`.execute(server.store.db);
    return { whatsapp, telegram, contactId: whatsapp.contact_id as string };
  }

  it('shows each identity’s window and recommends the open 24-hour window first', async () => {
    const { api } = await server.project();
    const { whatsapp, contactId } = await whatsappAndTelegram(api);
    await setLastInbound(whatsapp.identity_id, 2);
    const card = await api('GET', `/v1/contacts/${contactId}`);
    const byChannel = Object.fromEntries(card.body.identities.map((i: { channel: string }) => [i.channel, i]));
    expect(byChannel.whatsapp).toMatchObject({ window_open: true });
    const closes = new Date(byChannel.whatsapp.window_closes_at).getTime() - new Date(byChannel.whatsapp.last_inbound_at).getTime();
    expect(closes).toBe(24 * 3_600_000);
    expect(byChannel.telegram).toMatchObject({ window_open: true, window_closes_at: null });
    expect(card.body.recommended_channel).toBe('whatsapp');
  });

  it('refuses a free-form message into a closed window, naming the channels that are open', async () => {
    const { api } = await server.project();
    const { whatsapp, contactId } = await whatsappAndTelegram(api);
    await setLastInbound(whatsapp.identity_id, 25);

    const refused = await api('POST', `/v1/conversations/${whatsapp.conversation_id}/messages`, { text: 'Are you there?' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('window_closed');
    expect(refused.body.error.message).toMatch(/24 h.*open now for this contact: telegram/);
    expect(fake.requests).toEqual([]);
    const messages = await api('GET', `/v1/conversations/${whatsapp.conversation_id}/messages`);
    expect(messages.body.items).toHaveLength(1);

    const card = await api('GET', `/v1/contacts/${contactId}`);
    expect(card.body.identities.find((i: { channel: string }) => i.channel === 'whatsapp').window_open).toBe(false);
    expect(card.body.recommended_channel).toBe('telegram');
  });

  it('says so when no channel of the contact is open', async () => {
    const { api } = await server.project();
    const { identity_id, conversation_id, contact_id } = await conversation(api, 'instagram', CONNECTORS.instagram.bot);
    await setLastInbound(identity_id, 48);
    const refused = await api('POST', `/v1/conversations/${conversation_id}/messages`, { text: 'hello?' });
    expect(refused.body.error).toMatchObject({ code: 'window_closed', message: expect.stringContaining('no channel of this contact is open') });
    expect((await api('GET', `/v1/contacts/${contact_id}`)).body.recommended_channel).toBeNull();
  });

  it('refuses a Viber message to a client who unsubscribed', async () => {
    const { api } = await server.project();
    const { identity_id, conversation_id } = await conversation(api, 'viber', CONNECTORS.viber.bot, '01234567890A=');
    await sql`UPDATE identities SET subscribed = false WHERE id = ${identity_id}`.execute(server.store.db);
    const refused = await api('POST', `/v1/conversations/${conversation_id}/messages`, { text: 'hello?' });
    expect(refused.body.error).toMatchObject({ code: 'window_closed', message: expect.stringContaining('not subscribed') });
  });
});

describe('messenger API settings', () => {
  it('reads OMNIMERGE_<CHANNEL>_API_URL and refuses one that is not a URL', () => {
    expect(readConfig({ OMNIMERGE_TELEGRAM_API_URL: 'http://127.0.0.1:9000/tg' }).messengerApiUrls).toEqual({ telegram: 'http://127.0.0.1:9000/tg' });
    expect(() => readConfig({ OMNIMERGE_VK_API_URL: 'not a url' })).toThrow(/OMNIMERGE_VK_API_URL/);
  });
});
