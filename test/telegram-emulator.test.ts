import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startServer, type Api, type TestServer } from './helpers/server.js';
import { startTelegramEmulator, type TelegramEmulator } from './helpers/telegram-emulator.js';

// Connecting a Telegram bot in one step, end to end against the telegram-test-api Bot API emulator: a bot connected with
// its token only (getMe, setWebhook with a secret_token), a client's message through the emulator's
// webhook call, an operator's reply arriving in the emulator's chat, and DELETE /v1/bots/{id}.

let telegram: TelegramEmulator;
let server: TestServer;

beforeAll(async () => {
  telegram = await startTelegramEmulator();
  server = await startServer({ messengerApiUrls: { telegram: telegram.api }, publicUrl: telegram.publicUrl });
  telegram.forwardTo(server.url);
});
afterAll(async () => {
  await server?.close();
  await telegram?.close();
});

let tokens = 0;
/** A token the emulator has not seen, as BotFather gives them. */
const newToken = () => `${7000000 + ++tokens}:AAH${'x'.repeat(20)}${tokens}`;

/** Polls until `read` answers something, or fails after `ms` (the machine may be busy). */
async function eventually<T>(read: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`nothing after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A client writes to the bot in the emulator, as the Telegram app would. */
async function clientWrites(token: string, text: string, userId = 52011) {
  const person = telegram.server.getClient(token, { userId, chatId: userId, firstName: 'Ann', userName: 'ann_t' });
  await person.sendMessage(person.makeMessage(text));
}

/** The project's one conversation and its messages, once one with `text` is stored. */
async function conversationWith(api: Api, text: string) {
  return eventually(async () => {
    const contacts = await api('GET', '/v1/contacts');
    const contact = contacts.body.items[0];
    if (!contact) return undefined;
    const conversations = await api('GET', `/v1/contacts/${contact.id}/conversations`);
    const conversation = conversations.body.items[0];
    if (!conversation) return undefined;
    const messages = await api('GET', `/v1/conversations/${conversation.id}/messages`);
    return messages.body.items.some((m: { text: string }) => m.text === text) ? { contact, conversation, messages: messages.body.items } : undefined;
  });
}

describe('connecting a Telegram bot with its token only', () => {
  it('reads the handle from getMe and registers the webhook with a secret_token that is never shown', async () => {
    const { api } = await server.project();
    const token = newToken();
    const created = await api('POST', '/v1/bots', { channel: 'telegram', token });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ channel: 'telegram', handle: 'TestNameBot', name: 'Test First name', has_token: true, has_secret: true, disconnected_at: null });
    const callbackUrl = `${telegram.publicUrl}/v1/channels/telegram/${created.body.id}`;
    expect(created.body.setup).toEqual({ callback_url: callbackUrl, webhook_registered: true, verify_token: null, reconnected: false, next_step: expect.stringContaining(callbackUrl) });
    const webhook = telegram.webhookOf(token);
    expect(webhook).toMatchObject({ url: callbackUrl, secret_token: expect.stringMatching(/^[A-Za-z0-9_-]{32,256}$/) });
    for (const shown of [created.body, (await api('GET', '/v1/bots')).body]) {
      expect(JSON.stringify(shown)).not.toContain(webhook!.secret_token);
      expect(JSON.stringify(shown)).not.toContain(token);
    }
  });

  it("passes the secret given as setWebhook's secret_token, refusing one Telegram would not take", async () => {
    const { api } = await server.project();
    const token = newToken();
    const created = await api('POST', '/v1/bots', { channel: 'telegram', token, secret: 'my-own_Secret-42' });
    expect(created.status).toBe(201);
    expect(telegram.webhookOf(token)).toMatchObject({ secret_token: 'my-own_Secret-42' });

    const other = newToken();
    const refused = await api('POST', '/v1/bots', { channel: 'telegram', token: other, secret: 'not allowed!' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({ code: 'invalid_request', message: expect.stringContaining("Telegram's secret_token") });
    expect(telegram.webhookOf(other)).toBeUndefined();
    expect((await api('GET', '/v1/bots')).body.items).toHaveLength(1);
  });

  it('refuses a token Telegram does not accept with 422 invalid_bot_token, registering and storing nothing', async () => {
    const { api } = await server.project();
    const token = newToken();
    telegram.revoked.add(token);

    const refused = await api('POST', '/v1/bots', { channel: 'telegram', token });

    expect(refused.status).toBe(422);
    expect(refused.body.error).toEqual({ code: 'invalid_bot_token', message: expect.stringContaining('Unauthorized') });
    expect((await api('GET', '/v1/bots?include_disconnected=true')).body.items).toEqual([]);
    expect(telegram.webhookOf(token)).toBeUndefined();
  });

  it('answers 502 messenger_unreachable when Telegram cannot be reached, storing nothing', async () => {
    const { api } = await server.project();
    const token = newToken();
    telegram.unreachable.add(token);

    const failed = await api('POST', '/v1/bots', { channel: 'telegram', token });

    expect(failed.status).toBe(502);
    expect(failed.body.error).toEqual({ code: 'messenger_unreachable', message: expect.stringContaining('Telegram could not be reached') });
    expect((await api('GET', '/v1/bots?include_disconnected=true')).body.items).toEqual([]);
  });

  it("refuses a handle that is not the token's bot, naming the right one", async () => {
    const { api } = await server.project();
    const refused = await api('POST', '/v1/bots', { channel: 'telegram', handle: '@other_bot', token: newToken() });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toEqual({ code: 'bot_handle_mismatch', message: expect.stringContaining('@TestNameBot') });
    expect((await api('GET', '/v1/bots')).body.items).toEqual([]);
  });
});

describe('a Telegram bot connected in one step, through the emulator', () => {
  it("stores a client's message that the emulator posts with the secret header, and delivers the operator's reply to the client's chat", async () => {
    const { api } = await server.project();
    const token = newToken();
    const bot = (await api('POST', '/v1/bots', { channel: 'telegram', token })).body;

    await clientWrites(token, 'Hi! Is the blue one in stock?');
    const { contact, conversation, messages } = await conversationWith(api, 'Hi! Is the blue one in stock?');
    expect(messages).toEqual([expect.objectContaining({ direction: 'in', text: 'Hi! Is the blue one in stock?' })]);
    const card = await api('GET', `/v1/contacts/${contact.id}`);
    expect(card.body.identities).toEqual([expect.objectContaining({ channel: 'telegram', bot_id: bot.id, external_user_id: '52011', username: 'ann_t' })]);

    const reply = await api('POST', `/v1/conversations/${conversation.id}/messages?wait=true`, { text: 'Yes, in blue too.' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ direction: 'out', text: 'Yes, in blue too.', delivery_state: 'sent', external_message_id: expect.stringMatching(/^\d+$/) });
    const inChat = telegram.server.getUpdatesHistory(token).filter((u: object) => 'message' in u && (u.message as { text?: string }).text === 'Yes, in blue too.');
    expect(inChat).toEqual([expect.objectContaining({ message: expect.objectContaining({ chat_id: '52011' }) })]);
  });

  it("sends a completed link's tag message into the client's Telegram chat and records it in the conversation", async () => {
    const { api } = await server.project();
    const token = newToken();
    const bot = (await api('POST', '/v1/bots', { channel: 'telegram', token })).body;
    const contact = (await api('POST', '/v1/contacts', { name: 'Ann from the website', email: 'ann@example.com' })).body;
    const tag = 'Welcome to our Telegram, Ann!';
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram', bot_id: bot.id, tag })).body;

    await clientWrites(token, `/start ${link.token}`, 52077);
    const arrived = await eventually(async () =>
      telegram.server.getUpdatesHistory(token).find((u: object) => 'message' in u && (u.message as { text?: string }).text === tag),
    );
    expect(arrived).toMatchObject({ message: expect.objectContaining({ chat_id: '52077' }) });
    const card = (await api('GET', `/v1/contacts/${contact.id}`)).body;
    expect(card.identities).toEqual([expect.objectContaining({ channel: 'telegram', bot_id: bot.id, external_user_id: '52077' })]);
    const [conversation] = (await api('GET', `/v1/contacts/${contact.id}/conversations`)).body.items;
    const recorded = await eventually(async () => {
      const messages = (await api('GET', `/v1/conversations/${conversation.id}/messages`)).body.items as { direction: string; text: string; delivery_state: string }[];
      return messages.find((m) => m.direction === 'out' && m.text === tag && m.delivery_state === 'sent');
    });
    expect(recorded).toBeDefined();
  });

  it('refuses a webhook call without the secret header and stores nothing', async () => {
    const { api } = await server.project();
    const bot = (await api('POST', '/v1/bots', { channel: 'telegram', token: newToken() })).body;
    const forged = await client(server.url, null)('POST', bot.webhook_path, { update_id: 1, message: { message_id: 1, date: 1, chat: { id: 9, type: 'private' }, from: { id: 9, first_name: 'Eve' }, text: 'hi' } });
    expect(forged.status).toBe(401);
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });
});

describe('disconnecting a Telegram bot (DELETE /v1/bots/{id})', () => {
  it('calls deleteWebhook, stops receiving and sending through the bot, and keeps the contact and its history readable (its identity shown on a disconnected bot)', async () => {
    const { api } = await server.project();
    const token = newToken();
    const bot = (await api('POST', '/v1/bots', { channel: 'telegram', token })).body;
    await clientWrites(token, 'Where is my order?', 52012);
    const { contact, conversation } = await conversationWith(api, 'Where is my order?');
    expect((await api('POST', `/v1/conversations/${conversation.id}/messages?wait=true`, { text: 'On its way.' })).body.delivery_state).toBe('sent');

    const removed = await api('DELETE', `/v1/bots/${bot.id}`);

    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ id: bot.id, has_token: false, has_secret: false, disconnected_at: expect.any(String), webhook: { removed: true } });
    expect(telegram.webhookOf(token)).toBeUndefined();
    // the client's next message stays with Telegram (for getUpdates): nothing is posted to omnimerge
    await clientWrites(token, 'Hello?', 52012);
    expect(telegram.server.getUpdatesHistory(token).some((u: object) => 'message' in u && (u.message as { text?: string }).text === 'Hello?')).toBe(true);
    const late = await client(server.url, null)('POST', bot.webhook_path, { update_id: 99, message: { message_id: 99, date: 1, chat: { id: 52012, type: 'private' }, from: { id: 52012, first_name: 'Ann' }, text: 'late' } });
    expect(late.status).toBe(404);
    expect(late.body.error.code).toBe('bot_not_found');

    const history = await api('GET', `/v1/conversations/${conversation.id}/messages`);
    expect(history.body.items.map((m: { text: string }) => m.text)).toEqual(['Where is my order?', 'On its way.']);
    const card = await api('GET', `/v1/contacts/${contact.id}`);
    expect(card.body.identities).toEqual([expect.objectContaining({ bot_id: bot.id, external_user_id: '52012', bot_connected: false, window_open: false })]);
    expect(card.body.recommended_channel).toBeNull();
    const answer = await api('POST', `/v1/conversations/${conversation.id}/messages`, { text: 'Still there?' });
    expect(answer.status).toBe(409);
    expect(answer.body.error.code).toBe('bot_disconnected');

    expect((await api('GET', '/v1/bots')).body.items).toEqual([]);
    expect((await api('GET', '/v1/bots?include_disconnected=true')).body.items).toEqual([expect.objectContaining({ id: bot.id, disconnected_at: removed.body.disconnected_at })]);
    const again = await api('DELETE', `/v1/bots/${bot.id}`);
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('bot_disconnected');
  });

  it("connects the same account again as the same bot, so its clients' messages go on in their contacts", async () => {
    const { api } = await server.project();
    const token = newToken();
    const bot = (await api('POST', '/v1/bots', { channel: 'telegram', token })).body;
    await clientWrites(token, 'First visit', 52013);
    const { contact, conversation } = await conversationWith(api, 'First visit');
    await api('DELETE', `/v1/bots/${bot.id}`);

    const again = await api('POST', '/v1/bots', { channel: 'telegram', token });

    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ id: bot.id, handle: 'TestNameBot', has_token: true, disconnected_at: null, setup: { webhook_registered: true, reconnected: true } });
    expect(telegram.webhookOf(token)).toMatchObject({ url: `${telegram.publicUrl}${bot.webhook_path}` });
    await clientWrites(token, 'Back again', 52013);
    const after = await conversationWith(api, 'Back again');
    expect({ contact: after.contact.id, conversation: after.conversation.id }).toEqual({ contact: contact.id, conversation: conversation.id });
    expect((await api('GET', '/v1/bots')).body.items).toEqual([expect.objectContaining({ id: bot.id })]);
  });

  it('disconnects all the same when Telegram no longer accepts the token, saying the webhook could not be removed', async () => {
    const { api } = await server.project();
    const token = newToken();
    const bot = (await api('POST', '/v1/bots', { channel: 'telegram', token })).body;
    telegram.revoked.add(token);

    const removed = await api('DELETE', `/v1/bots/${bot.id}`);

    expect(removed.status).toBe(200);
    expect(removed.body.webhook).toEqual({ removed: false, message: expect.stringContaining('Unauthorized') });
    expect((await api('GET', '/v1/bots')).body.items).toEqual([]);
  });
});
