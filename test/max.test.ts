import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAnswer } from './helpers/contract.js';
import { startMaxApi, type MaxApi } from './helpers/max-api.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// MAX (max.ru) as the eighth messenger, end to end against a MAX Bot API stand-in that answers as
// the official schema (max-messenger/api-schema 0.0.33) says: a bot connected with its token only
// (GET /me, POST /subscriptions with a secret made here), its updates delivered with
// X-Max-Bot-Api-Secret, merge and invite links max.ru/<bot>?start=<payload>, replies through
// POST /messages?user_id= and the sending queue, DELETE /v1/bots/{id} unsubscribing.

const PUBLIC_URL = 'https://omnimerge.example.ru';
let max: MaxApi & { reach(url: string): void };
let server: TestServer;

beforeAll(async () => {
  max = await startMaxApi({ publicUrl: PUBLIC_URL });
  server = await startServer({
    messengerApiUrls: { max: max.url },
    publicUrl: PUBLIC_URL,
    sending: { retry: { baseMs: 100, maxDelayMs: 300 }, pollMs: 200 },
  });
  max.reach(server.url);
});
afterAll(async () => {
  await server?.close();
  await max?.close();
});

let bots = 0;
/** A bot MAX knows, with a token of its own, as business.max.ru gives them. */
function newMaxBot(username: string | null = `shop${++bots}_bot`) {
  const bot = { token: `f9LHodD0cOJZ0b30xpIJT${++bots}`, user_id: 8_800_000 + bots, first_name: 'Shop', username };
  max.addBot(bot);
  return bot;
}

/** MAX posts an update to the bot's subscription; the answer is checked against the API document. */
async function deliver(token: string, update: unknown, options?: { secret?: string | null }) {
  const answer = await max.deliver(token, update, options);
  const { origin, pathname } = new URL(answer.url);
  const json = answer.contentType?.startsWith('application/json') ? JSON.parse(answer.body) : answer.body;
  await checkAnswer(origin, 'POST', pathname, { status: answer.status, contentType: answer.contentType, body: json });
  return answer;
}

function fixture(name: string): any {
  return JSON.parse(readFileSync(new URL(`./fixtures/max/${name}.json`, import.meta.url), 'utf8'));
}

/** A project with a MAX bot connected by its token only. */
async function connected() {
  const project = await server.project();
  const maxBot = newMaxBot();
  const created = await project.api('POST', '/v1/bots', { channel: 'max', token: maxBot.token });
  expect(created.status).toBe(201);
  return { ...project, maxBot, bot: created.body };
}

async function contactsOf(api: Api) {
  return (await api('GET', '/v1/contacts?limit=200')).body.items as Array<Record<string, any>>;
}

async function messagesOf(api: Api, contactId: string) {
  const conversations = (await api('GET', `/v1/contacts/${contactId}/conversations`)).body.items as Array<{ id: string }>;
  const all = [];
  for (const c of conversations) all.push(...(await api('GET', `/v1/conversations/${c.id}/messages?order=asc`)).body.items);
  return all as Array<Record<string, any>>;
}

const attachment = (fields: Record<string, unknown>) => ({ id: expect.any(String), url: null, file_id: null, mime_type: null, size: null, name: null, ...fields });

describe('connecting a MAX bot with its token', () => {
  it('reads the bot name from GET /me and subscribes the webhook with a secret that is never shown', async () => {
    const { api, maxBot, bot } = await connected();
    const callbackUrl = `${PUBLIC_URL}/v1/channels/max/${bot.id}`;
    expect(bot).toMatchObject({ channel: 'max', client_type: null, handle: maxBot.username, name: 'Shop', has_token: true, has_secret: true, webhook_path: `/v1/channels/max/${bot.id}` });
    expect(bot.setup).toMatchObject({ callback_url: callbackUrl, webhook_registered: true, verify_token: null, next_step: expect.stringContaining(callbackUrl) });

    const [subscription] = max.subscriptions.get(maxBot.token)!;
    expect(subscription).toMatchObject({ url: callbackUrl, secret: expect.stringMatching(/^[A-Za-z0-9_-]{32,256}$/), update_types: ['message_created', 'bot_started'] });
    const calls = max.requests.filter((r) => r.authorization === maxBot.token).map((r) => `${r.method} ${r.path}`);
    expect(calls).toEqual(['GET /me', 'POST /subscriptions']);
    for (const shown of [bot, (await api('GET', '/v1/bots')).body]) {
      expect(JSON.stringify(shown)).not.toContain(subscription.secret!);
      expect(JSON.stringify(shown)).not.toContain(maxBot.token);
    }
  });

  it('refuses a token MAX does not accept with 422 invalid_bot_token and keeps nothing', async () => {
    const { api } = await server.project();
    const answer = await api('POST', '/v1/bots', { channel: 'max', token: 'not-a-max-token' });
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'invalid_bot_token', message: expect.stringContaining('401: verify.token: Invalid access_token') });
    expect((await api('GET', '/v1/bots')).body.items).toEqual([]);
  });

  it('refuses a handle that is not the bot GET /me names, and a secret MAX would not take', async () => {
    const { api } = await server.project();
    const maxBot = newMaxBot();
    const other = await api('POST', '/v1/bots', { channel: 'max', token: maxBot.token, handle: 'someone_else_bot' });
    expect([other.status, other.body.error.code]).toEqual([422, 'bot_handle_mismatch']);
    const short = await api('POST', '/v1/bots', { channel: 'max', token: maxBot.token, secret: 'abc' });
    expect(short.status).toBe(400);
    expect(short.body.error.message).toMatch(/MAX's subscription secret: 5–256 characters/);
    expect(max.subscriptions.get(maxBot.token) ?? []).toEqual([]);
  });

  it('without a public URL still checks the token with GET /me, subscribes nothing, and says what to do', async () => {
    const local = await startServer({ messengerApiUrls: { max: max.url } });
    try {
      const { api } = await local.project();
      const maxBot = newMaxBot();
      const created = await api('POST', '/v1/bots', { channel: 'max', token: maxBot.token });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ handle: maxBot.username, has_secret: false });
      expect(created.body.setup).toMatchObject({ callback_url: null, webhook_registered: false });
      expect(created.body.setup.next_step).toMatch(/set OMNIMERGE_PUBLIC_URL .* or call POST \/subscriptions yourself with the url <the public URL of this server>\/v1\/channels\/max\/.*; give a secret when connecting, to pass it as secret$/);
      expect(max.subscriptions.get(maxBot.token) ?? []).toEqual([]);
    } finally {
      await local.close();
    }
  });

  it("answers 502 webhook_not_registered with MAX's reason when it refuses a URL that is not https://, and keeps nothing", async () => {
    const plain = await startServer({ messengerApiUrls: { max: max.url }, publicUrl: 'http://omnimerge.example.ru' });
    try {
      const { api } = await plain.project();
      const maxBot = newMaxBot();
      const refused = await api('POST', '/v1/bots', { channel: 'max', token: maxBot.token });
      expect(refused.status).toBe(502);
      expect(refused.body.error).toMatchObject({ code: 'webhook_not_registered', message: expect.stringContaining('400: proto.payload: url: must start with https://') });
      expect((await api('GET', '/v1/bots?include_disconnected=true')).body.items).toEqual([]);
    } finally {
      await plain.close();
    }
  });

  it('unsubscribes on DELETE /v1/bots/{id}, keeps the contact, and refuses the webhook from then on', async () => {
    const { api, maxBot, bot } = await connected();
    expect((await deliver(maxBot.token, fixture('message-created-text'))).status).toBe(200);
    const secret = max.subscriptions.get(maxBot.token)![0].secret;

    const gone = await api('DELETE', `/v1/bots/${bot.id}`);
    expect(gone.status).toBe(200);
    expect(gone.body.webhook).toEqual({ removed: true, message: "max no longer posts this bot's events to omnimerge" });
    expect(max.subscriptions.get(maxBot.token)).toEqual([]);
    const deletion = max.requests.find((r) => r.method === 'DELETE' && r.authorization === maxBot.token)!;
    expect(deletion.query.get('url')).toBe(`${PUBLIC_URL}/v1/channels/max/${bot.id}`);
    expect(await contactsOf(api)).toHaveLength(1);

    const late = await fetch(`${server.url}/v1/channels/max/${bot.id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-max-bot-api-secret': secret! }, body: JSON.stringify(fixture('message-created-text')) });
    expect(late.status).toBe(404);
  });
});

describe('MAX webhooks', () => {
  it('refuses an update without the subscription secret or with another one (401), storing nothing', async () => {
    const { api, maxBot } = await connected();
    for (const secret of [null, 'forged-secret-of-the-same-kind-1234567890', '']) {
      const answer = await deliver(maxBot.token, fixture('message-created-text'), { secret });
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body).error).toMatchObject({ code: 'invalid_signature', message: expect.stringContaining('X-Max-Bot-Api-Secret') });
    }
    expect(await contactsOf(api)).toEqual([]);
  });

  it("stores a person's message with the sender's name and username, once however often MAX delivers it", async () => {
    const { api, maxBot } = await connected();
    for (let i = 0; i < 3; i++) {
      const answer = await deliver(maxBot.token, fixture('message-created-text'));
      expect([answer.status, JSON.parse(answer.body)]).toEqual([200, { ok: true }]);
    }
    const [contact] = await contactsOf(api);
    expect(contact.name).toBe('Vera Sokolova');
    const card = await api('GET', `/v1/contacts/${contact.id}`);
    expect(card.body.identities).toEqual([
      expect.objectContaining({ channel: 'max', external_user_id: '59021047', name: 'Vera Sokolova', username: 'vera_s', window_open: true, window_closes_at: null }),
    ]);
    expect((await messagesOf(api, contact.id)).map((m) => [m.direction, m.text, m.external_message_id])).toEqual([['in', 'Здравствуйте! Где мой заказ?', 'mid.0000000005a1b2c3019ad0f1a2b3c4d5']]);
  });

  it('stores every attachment kind a person sends, and their own shared contact as their phone', async () => {
    const { api, maxBot } = await connected();
    expect((await deliver(maxBot.token, fixture('message-created-attachments'))).status).toBe(200);
    const [contact] = await contactsOf(api);
    expect(contact).toMatchObject({ name: 'Gleb', phone: '+79123456789' });
    const [message] = await messagesOf(api, contact.id);
    expect(message.text).toBe('Фото чека и мой номер');
    expect(message.attachments).toEqual([
      attachment({ type: 'photo', url: 'https://i.oneme.ru/i?r=BTGBPUwtwgYUeoFhO7rESmr8', file_id: 'img_tok_QW5uYQ' }),
      attachment({ type: 'document', url: 'https://fd.oneme.ru/getfile?sig=a1b2', file_id: 'file_tok_Y2hlY2s', name: 'receipt.pdf', size: 48213 }),
      attachment({ type: 'location', url: 'geo:55.751244,37.618423' }),
      attachment({ type: 'sticker', url: 'https://st.oneme.ru/s/0a1b.webp', file_id: 'a1b2c3d4' }),
      attachment({ type: 'url', url: 'https://shop.example.ru/orders/42', name: 'Order 42' }),
      attachment({ type: 'contact', url: 'tel:+79123456789', name: 'Gleb' }),
    ]);
  });

  it('keeps a user id past JSON\'s safe integers exactly (int64 in the schema), and answers to it', async () => {
    const { api, maxBot } = await connected();
    const text = JSON.stringify(fixture('message-created-text')).replace('"user_id":59021047', '"user_id":9007199254740993');
    expect(text).toContain('9007199254740993');
    expect((await deliver(maxBot.token, text)).status).toBe(200);
    const [contact] = await contactsOf(api);
    const card = await api('GET', `/v1/contacts/${contact.id}`);
    expect(card.body.identities[0].external_user_id).toBe('9007199254740993');
    const conversations = await api('GET', `/v1/contacts/${contact.id}/conversations`);
    const sent = await api('POST', `/v1/conversations/${conversations.body.items[0].id}/messages?wait=true`, { text: 'ok' });
    expect(sent.body.delivery_state).toBe('sent');
    expect(max.requests.filter((r) => r.path === '/messages' && r.authorization === maxBot.token).map((r) => r.query.get('user_id'))).toEqual(['9007199254740993']);
  });

  it('acknowledges group messages, button presses, edits and stops with 200 and stores nothing', async () => {
    const { api, maxBot } = await connected();
    for (const name of ['message-created-chat', 'message-callback', 'message-edited', 'bot-stopped']) {
      const answer = await deliver(maxBot.token, fixture(name));
      expect([name, answer.status]).toEqual([name, 200]);
    }
    expect(await contactsOf(api)).toEqual([]);
  });

  it('answers 400 invalid_payload to an update that is not of the schema, storing nothing', async () => {
    const { api, maxBot } = await connected();
    const broken = fixture('message-created-text');
    delete broken.message.body.mid;
    const answer = await deliver(maxBot.token, broken);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).error).toMatchObject({ code: 'invalid_payload', message: expect.stringContaining('message.body.mid') });
    expect(await contactsOf(api)).toEqual([]);
  });
});

describe('MAX deep links max.ru/<bot>?start=<payload>', () => {
  it('completes a merge link with bot_started, sends the tag through POST /messages, once on redelivery', async () => {
    const { api, maxBot, bot } = await connected();
    const ann = await api('POST', '/v1/contacts', { name: 'Ann', phone: '+79001112233' });
    const link = await api('POST', `/v1/contacts/${ann.body.id}/merge-link`, { channel: 'max', tag: 'Добро пожаловать в MAX!' });
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ channel: 'max', bot_id: bot.id, url: `https://max.ru/${maxBot.username}?start=${link.body.token}` });
    expect(link.body.token.length).toBeLessThanOrEqual(128);

    const started = fixture('bot-started');
    started.payload = link.body.token;
    for (let i = 0; i < 2; i++) expect((await deliver(maxBot.token, started)).status).toBe(200);

    const card = await api('GET', `/v1/contacts/${ann.body.id}`);
    expect(card.body.identities).toEqual([expect.objectContaining({ channel: 'max', external_user_id: '59021045', name: 'Anna Petrova', username: 'anna_p' })]);
    expect(await contactsOf(api)).toHaveLength(1);
    await expect.poll(() => max.requests.filter((r) => r.method === 'POST' && r.path === '/messages' && r.authorization === maxBot.token).length, { timeout: 20_000 }).toBe(1);
    const sent = max.requests.find((r) => r.path === '/messages' && r.authorization === maxBot.token)!;
    expect([sent.query.get('user_id'), sent.json]).toEqual(['59021045', { text: 'Добро пожаловать в MAX!' }]);
    await expect.poll(async () => (await messagesOf(api, ann.body.id)).map((m) => [m.direction, m.text, m.delivery_state, m.external_message_id]), { timeout: 20_000 }).toEqual([
      ['in', null, null, expect.stringMatching(/^bot_started:/)],
      ['out', 'Добро пожаловать в MAX!', 'sent', expect.stringMatching(/^mid\.out/)],
    ]);
  });

  it('has its button on the "choose your messenger" page, which makes the MAX link on the click and completes by bot_started', async () => {
    const { api, maxBot, bot } = await connected();
    const ann = await api('POST', '/v1/contacts', { name: 'Ann', phone: '+79001112244' });
    const landing = await api('POST', `/v1/contacts/${ann.body.id}/landing-link`, {});
    expect(landing.status).toBe(201);
    expect(landing.body.channels).toEqual(['max']);
    const pagePath = new URL(landing.body.url).pathname;
    const page = await fetch(server.url + pagePath);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toMatch(/<a class="button"[^>]* href="[^"]*\/max"[^>]*>[^<]*MAX/);

    const click = await fetch(`${server.url}${pagePath}/max`, { redirect: 'manual' });
    expect(click.status).toBe(303);
    const target = new URL(click.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(`https://max.ru/${maxBot.username}`);
    const started = fixture('bot-started');
    started.payload = target.searchParams.get('start');
    expect((await deliver(maxBot.token, started)).status).toBe(200);
    const card = await api('GET', `/v1/contacts/${ann.body.id}`);
    expect(card.body.identities).toEqual([expect.objectContaining({ channel: 'max', bot_id: bot.id, external_user_id: '59021045' })]);
  });

  it("makes invite links up to MAX's 128 characters, and names that limit when the data does not fit", async () => {
    const { api, maxBot, bot } = await connected();
    // 90-odd characters encoded: over Telegram's 64, within MAX's 128
    const data = { p: '+79005554433', e: 'olga.smirnova@example.ru', eId: 'crm-000123' };
    const invite = await api('POST', `/v1/bots/${bot.id}/invite-link`, { data });
    expect(invite.status).toBe(201);
    expect(invite.body.payload.length).toBeGreaterThan(64);
    expect(invite.body.payload.length).toBeLessThanOrEqual(128);
    expect(invite.body.url).toBe(`https://max.ru/${maxBot.username}?start=${invite.body.payload}`);

    const tooLong = await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { ...data, v: { campaign: 'spring-sale-2026-moscow-region' } } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error).toMatchObject({ code: 'payload_too_long', message: expect.stringMatching(/over the limit of 128 \(MAX's limit for a start parameter/) });

    // the client opens the link: the signed data lands on the new contact
    const started = fixture('bot-started');
    started.payload = invite.body.payload;
    expect((await deliver(maxBot.token, started)).status).toBe(200);
    const [contact] = await contactsOf(api);
    expect(contact).toMatchObject({ name: 'Anna Petrova', phone: '+79005554433', email: 'olga.smirnova@example.ru', external_id: 'crm-000123' });
  });

  it("respects the bot's start_param: a plain payload is the external id by default, nothing with \"ignore\"", async () => {
    const { api, maxBot } = await connected();
    const started = fixture('bot-started');
    started.payload = 'client-4711';
    expect((await deliver(maxBot.token, started)).status).toBe(200);
    expect((await contactsOf(api))[0]).toMatchObject({ external_id: 'client-4711' });

    const other = await server.project();
    const ignoring = newMaxBot();
    expect((await other.api('POST', '/v1/bots', { channel: 'max', token: ignoring.token, start_param: 'ignore' })).status).toBe(201);
    expect((await deliver(ignoring.token, started)).status).toBe(200);
    expect((await contactsOf(other.api))[0]).toMatchObject({ name: 'Anna Petrova', external_id: null });
  });

  it('never merges by unsigned start data unless the bot trusts it (trust_start_data): a suggestion instead', async () => {
    const unsigned = Buffer.from(JSON.stringify({ p: '+79007778899' })).toString('base64url');
    for (const trust of [false, true]) {
      const project = await server.project();
      const maxBot = newMaxBot();
      expect((await project.api('POST', '/v1/bots', { channel: 'max', token: maxBot.token, trust_start_data: trust })).status).toBe(201);
      expect((await project.api('POST', '/v1/merge-rules', { fields: ['phone'] })).status).toBe(201);
      const known = (await project.api('POST', '/v1/contacts', { name: 'Known', phone: '+79007778899' })).body;
      const started = fixture('bot-started');
      started.payload = unsigned;
      expect((await deliver(maxBot.token, started)).status).toBe(200);
      const card = (await project.api('GET', `/v1/contacts/${known.id}`)).body;
      const suggestions = (await project.api('GET', '/v1/merge-suggestions')).body.items;
      if (trust) {
        expect(card.identities.map((i: { external_user_id: string }) => i.external_user_id)).toEqual(['59021045']);
        expect(suggestions).toEqual([]);
      } else {
        expect(card.identities).toEqual([]);
        expect(await contactsOf(project.api)).toHaveLength(2);
        expect(suggestions).toEqual([expect.objectContaining({ kind: 'rule', status: 'pending', to_contact_id: known.id })]);
      }
    }
  });

  it('makes a person who pressed Start without a payload a contact', async () => {
    const { api, maxBot } = await connected();
    expect((await deliver(maxBot.token, fixture('bot-started-plain'))).status).toBe(200);
    const [contact] = await contactsOf(api);
    expect(contact).toMatchObject({ name: 'Boris', external_id: null });
  });
});

describe('sending through MAX', () => {
  async function chatWith() {
    const ctx = await connected();
    expect((await deliver(ctx.maxBot.token, fixture('message-created-text'))).status).toBe(200);
    const [contact] = await contactsOf(ctx.api);
    const conversations = await ctx.api('GET', `/v1/contacts/${contact.id}/conversations`);
    return { ...ctx, contact, conversationId: conversations.body.items[0].id as string };
  }
  const sendsOf = (token: string) => max.requests.filter((r) => r.method === 'POST' && r.path === '/messages' && r.authorization === token);

  it('sends with POST /messages?user_id= and the token in Authorization, retrying 429 and 503 through the queue', async () => {
    const { api, maxBot, conversationId } = await chatWith();
    max.queueSend({ status: 429, body: { code: 'too.many.requests', message: 'Too many requests' } }, { status: 503, body: { code: 'service.unavailable', message: 'Service unavailable' } });
    const queued = await api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'Ваш заказ в пути' });
    expect([queued.status, queued.body.delivery_state]).toEqual([202, 'queued']);
    await expect.poll(async () => (await api('GET', `/v1/conversations/${conversationId}/messages`)).body.items.find((m: { id: string }) => m.id === queued.body.id)?.delivery_state, { timeout: 20_000 }).toBe('sent');
    const tries = sendsOf(maxBot.token);
    expect(tries.map((r) => [r.query.get('user_id'), r.json])).toEqual(Array(3).fill(['59021047', { text: 'Ваш заказ в пути' }]));
    const message = (await api('GET', `/v1/conversations/${conversationId}/messages`)).body.items.find((m: { id: string }) => m.id === queued.body.id);
    expect(message).toMatchObject({ external_message_id: expect.stringMatching(/^mid\.out/), delivery_error: null });
  });

  it('marks a person who stopped the bot unreachable (403), failing at once', async () => {
    const { api, contact, maxBot, conversationId } = await chatWith();
    max.stopped.add(59021047);
    try {
      const refused = await api('POST', `/v1/conversations/${conversationId}/messages?wait=true`, { text: 'Вы здесь?' });
      expect(refused.body).toMatchObject({ delivery_state: 'failed', delivery_error: '403: chat.denied: chat.denied: dialog.suspended' });
      expect(sendsOf(maxBot.token)).toHaveLength(1);
      const card = await api('GET', `/v1/contacts/${contact.id}`);
      expect(card.body.identities[0]).toMatchObject({ reachable: false, window_open: false });
    } finally {
      max.stopped.delete(59021047);
    }
  });

  it("refuses a text over MAX's 4000 characters with 422 text_too_long, and sends one of 4000", async () => {
    const { api, conversationId } = await chatWith();
    const over = await api('POST', `/v1/conversations/${conversationId}/messages`, { text: 'я'.repeat(4001) });
    expect(over.status).toBe(422);
    expect(over.body.error).toEqual({ code: 'text_too_long', message: 'max takes at most 4000 characters in one message; this text has 4001: shorten it by 1 or send it as several messages' });
    const at = await api('POST', `/v1/conversations/${conversationId}/messages?wait=true`, { text: 'я'.repeat(4000) });
    expect([at.status, at.body.delivery_state]).toEqual([201, 'sent']);
  });
});
