import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEDIA, NOT_PEOPLE } from './fixtures/telegram/updates.js';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';
import { connectMessengerBot, deliver, postRaw, SECRETS, SIGN, type Messenger, type WebhookBot } from './helpers/messengers.js';
import { startServer, type Api, type TestServer } from './helpers/server.js';

// docs/messengers.md: every real event handled the way the messenger means it — replies and client messages
// de-duplicated per direction, ad referrals kept as facts (never identities), events without a message
// id stored once, service senders ignored, media and captions stored. Fixtures under test/fixtures/<messenger>/.

let server: TestServer;
let fake: FakeMessengerApi;
beforeAll(async () => {
  fake = await startMessengerApi();
  server = await startServer({ messengerApiUrls: { telegram: `${fake.url}/telegram` } });
});
afterAll(async () => {
  await server.close();
  await fake.close();
});

/** Every message the project stored, oldest first, with the contact it belongs to. */
async function storedMessages(api: Api) {
  const contacts = (await api('GET', '/v1/contacts?limit=200')).body.items as Array<{ id: string }>;
  const all = [];
  for (const contact of contacts) {
    const conversations = (await api('GET', `/v1/contacts/${contact.id}/conversations`)).body.items as Array<{ id: string }>;
    for (const conversation of conversations) {
      const messages = (await api('GET', `/v1/conversations/${conversation.id}/messages?order=asc`)).body.items;
      all.push(...messages.map((m: Record<string, unknown>) => ({ ...m, contact_id: contact.id })));
    }
  }
  return all;
}

async function botOf(api: Api, messenger: Messenger, extra: Record<string, string> = {}): Promise<WebhookBot> {
  return connectMessengerBot(api, messenger, messenger === 'vk' ? { confirmation_code: 'a1b2c3d4', ...extra } : extra);
}

function postTelegram(bot: WebhookBot, update: unknown) {
  const body = JSON.stringify(update);
  return postRaw(server.url + bot.webhook_path, body, SIGN.telegram(body, SECRETS.telegram));
}

describe('replies and client messages are de-duplicated per direction', () => {
  it('records a reply Telegram accepted with the id of a client message as sent, and still stores a client message with the id of an earlier reply', async () => {
    const { api } = await server.project();
    // the token's bot, as the messenger API stand-in's getMe names it
    const bot = await botOf(api, 'telegram', { token: '123456:ABC-DEF1234ghIkl', handle: 'shop' });
    // the client's message 2 …
    const first = { update_id: 1, message: { message_id: 2, date: 1717000000, chat: { id: 1111111, type: 'private' }, from: { id: 1111111, is_bot: false, first_name: 'Ann' }, text: 'hi' } };
    expect((await postTelegram(bot, first)).status).toBe(200);
    const [incoming] = await storedMessages(api);
    // … and the reply Telegram numbers 2 as well, then 3
    fake.queue({ status: 200, body: { ok: true, result: { message_id: 2, date: 1717000001, chat: { id: 1111111, type: 'private' }, text: 'hello' } } });
    const reply = await api('POST', `/v1/conversations/${incoming.conversation_id}/messages?wait=true`, { text: 'hello' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ direction: 'out', delivery_state: 'sent', delivery_error: null, external_message_id: '2' });
    fake.queue({ status: 200, body: { ok: true, result: { message_id: 3, date: 1717000002, chat: { id: 1111111, type: 'private' }, text: 'anything else?' } } });
    expect((await api('POST', `/v1/conversations/${incoming.conversation_id}/messages?wait=true`, { text: 'anything else?' })).body.delivery_state).toBe('sent');

    // the client's message 3 is new to us, whatever the reply was numbered
    const next = { ...first, update_id: 2, message: { ...first.message, message_id: 3, text: 'yes, one more thing' } };
    expect((await postTelegram(bot, next)).status).toBe(200);
    const inbound = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '1111111', message_id: '3', text: 'yes, one more thing' });
    expect(inbound.body.duplicate).toBe(true);

    const messages = await storedMessages(api);
    expect(messages.map((m) => [m.direction, m.external_message_id, m.delivery_state])).toEqual([
      ['in', '2', null],
      ['out', '2', 'sent'],
      ['out', '3', 'sent'],
      ['in', '3', null],
    ]);
    expect(JSON.stringify(messages)).not.toMatch(/duplicate key|constraint/);
  });
});

describe('ad referrals are facts about the conversation, never identities', () => {
  it('keeps a Messenger ad referral on the message and the conversation, and writes nothing to the contact', async () => {
    const { api } = await server.project();
    await api('POST', '/v1/merge-rules', { fields: ['external_id'] });
    const bot = await botOf(api, 'facebook');
    expect((await deliver(server.url, 'facebook', bot, 'referral-ad')).status).toBe(200);
    expect((await deliver(server.url, 'facebook', bot, 'message-ad-referral')).status).toBe(200);

    const contacts = (await api('GET', '/v1/contacts')).body.items;
    // two people who clicked the same ad stay two people
    expect(contacts).toHaveLength(2);
    expect(contacts.map((c: { external_id: string | null }) => c.external_id)).toEqual([null, null]);
    const messages = await storedMessages(api);
    expect(messages).toHaveLength(2);
    for (const message of messages) {
      expect(message.payload).toBeNull();
      expect(message.referral).toMatchObject({ source: 'ADS', ad_id: '23851234567890123', ref: 'spring_sale', headline: 'Spring sale: -30% on sneakers' });
    }
    const conversations = (await api('GET', `/v1/contacts/${messages[0].contact_id}/conversations`)).body.items;
    expect(conversations[0].referral).toMatchObject({ source: 'ADS', ad_id: '23851234567890123' });
  });

  it('keeps an Instagram ad referral as a fact and the text as the message', async () => {
    const { api } = await server.project();
    const bot = await botOf(api, 'instagram');
    expect((await deliver(server.url, 'instagram', bot, 'referral-ad')).status).toBe(200);
    const [message] = await storedMessages(api);
    expect(message).toMatchObject({ text: 'Price?', payload: null, referral: { source: 'ADS', ad_id: '120200000000000001', headline: 'Summer drop' } });
    expect((await api('GET', '/v1/contacts')).body.items[0].external_id).toBeNull();
  });

  it('keeps a click-to-WhatsApp ad referral as a fact, never as the external id', async () => {
    const { api } = await server.project();
    const bot = await botOf(api, 'whatsapp');
    expect((await deliver(server.url, 'whatsapp', bot, 'message-referral-ad')).status).toBe(200);
    const [message] = await storedMessages(api);
    expect(message).toMatchObject({ text: 'Hi! I saw your ad', payload: null });
    expect(message.referral).toMatchObject({ source: 'ADS', ad_id: '120200000000000002', headline: 'Free delivery this week', source_url: 'https://fb.me/3cr4Wqqkv' });
    expect((await api('GET', '/v1/contacts')).body.items[0]).toMatchObject({ external_id: null, phone: '+447911123456' });
  });
});

describe('events without a platform message id are stored once', () => {
  it.each([
    ['facebook', 'postback-no-mid'],
    ['facebook', 'referral'],
    ['facebook', 'referral-ad'],
    ['instagram', 'referral'],
  ] as Array<[Messenger, string]>)('stores a %s %s delivered twice once', async (messenger, name) => {
    const { api } = await server.project();
    const bot = await botOf(api, messenger);
    expect((await deliver(server.url, messenger, bot, name)).status).toBe(200);
    expect((await deliver(server.url, messenger, bot, name)).status).toBe(200);
    const messages = await storedMessages(api);
    expect(messages).toHaveLength(1);
    expect(messages[0].external_message_id).toMatch(/^(postback|referral):/);
  });
});

describe('service accounts and group messages are not contacts', () => {
  it.each(Object.keys(NOT_PEOPLE) as Array<keyof typeof NOT_PEOPLE>)('acknowledges a Telegram %s update and stores nothing', async (name) => {
    const { api } = await server.project();
    const bot = await botOf(api, 'telegram');
    const answer = await postTelegram(bot, NOT_PEOPLE[name]);
    expect(answer.status).toBe(200);
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });

  it.each([
    ['facebook', 'reaction'],
    ['facebook', 'read'],
    ['instagram', 'message-deleted'],
    ['whatsapp', 'message-reaction'],
    ['viber', 'seen'],
    ['vk', 'message-new-chat'],
    ['line', 'message-group'],
  ] as Array<[Messenger, string]>)('acknowledges a %s %s event and stores nothing', async (messenger, name) => {
    const { api } = await server.project();
    const bot = await botOf(api, messenger);
    expect((await deliver(server.url, messenger, bot, name)).status).toBe(200);
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });

  it('stores the people of a batch and leaves out its echoes, deliveries, reactions and statuses', async () => {
    const { api } = await server.project();
    const facebook = await botOf(api, 'facebook');
    const whatsapp = await botOf(api, 'whatsapp');
    expect((await deliver(server.url, 'facebook', facebook, 'batch')).status).toBe(200);
    expect((await deliver(server.url, 'whatsapp', whatsapp, 'batch')).status).toBe(200);
    const messages = await storedMessages(api);
    expect(messages.map((m) => m.text).sort()).toEqual(['first', 'one', 'second', 'two']);
    expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(4);
  });
});

const file = (fields: Record<string, unknown>) => ({ url: null, file_id: null, mime_type: null, size: null, name: null, ...fields, id: expect.any(String) });

describe('media and captions are stored', () => {
  const TELEGRAM: Array<[keyof typeof MEDIA, string | null, Record<string, unknown>]> = [
    ['photo-caption', 'Is this one in stock?', { type: 'photo', file_id: 'AgACAgIAAxkBAAIBlarge', size: 98234 }],
    ['voice', null, { type: 'voice', file_id: 'AwACAgIAAxkBAAIBvoice', mime_type: 'audio/ogg', size: 8812 }],
    ['document', 'my invoice', { type: 'document', file_id: 'BQACAgIAAxkBAAIBdoc', mime_type: 'application/pdf', size: 51234, name: 'invoice-42.pdf' }],
    ['sticker', null, { type: 'sticker', file_id: 'CAACAgIAAxkBAAIBsticker', size: 23001, name: '👍' }],
    ['location', null, { type: 'location', url: 'geo:55.751244,37.618423' }],
    ['video', null, { type: 'video', file_id: 'BAACAgIAAxkBAAIBvideo', mime_type: 'video/mp4', size: 912345 }],
  ];

  it.each(TELEGRAM)('stores a Telegram %s with its attachment and caption', async (name, text, attachment) => {
    const { api } = await server.project();
    const bot = await botOf(api, 'telegram');
    expect((await postTelegram(bot, MEDIA[name])).status).toBe(200);
    const [message] = await storedMessages(api);
    expect(message).toMatchObject({ text, payload: null });
    expect(message.attachments).toEqual([file(attachment)]);
  });

  const OTHERS: Array<[Messenger, string, string | null, Array<Record<string, unknown>>]> = [
    ['whatsapp', 'message-image-caption', 'Do you have it in red?', [{ type: 'photo', file_id: '1003383421387256', mime_type: 'image/jpeg' }]],
    ['whatsapp', 'message-voice', null, [{ type: 'voice', file_id: '1003383421387257', mime_type: 'audio/ogg; codecs=opus' }]],
    ['whatsapp', 'message-document', 'signed contract', [{ type: 'document', file_id: '1003383421387258', mime_type: 'application/pdf', name: 'contract.pdf' }]],
    ['whatsapp', 'message-sticker', null, [{ type: 'sticker', file_id: '1003383421387259', mime_type: 'image/webp' }]],
    ['whatsapp', 'message-location', null, [{ type: 'location', url: 'geo:37.4847,-122.1477', name: 'Menlo Park store' }]],
    ['whatsapp', 'message-contacts', null, [{ type: 'contact', url: 'tel:+16505559876', name: 'Jane Doe' }]],
    [
      'facebook',
      'message-attachments',
      null,
      [
        { type: 'photo', url: 'https://scontent.xx.fbcdn.net/v/photo-1.jpg' },
        { type: 'sticker', url: 'https://scontent.xx.fbcdn.net/v/sticker.png', file_id: '369239263222822' },
        { type: 'document', url: 'https://cdn.fbsbx.com/v/t59/receipt.pdf' },
        { type: 'location', url: 'geo:52.52,13.405' },
      ],
    ],
    ['instagram', 'message-image', null, [{ type: 'photo', url: 'https://lookaside.fbsbx.com/ig_messaging_cdn/?asset_id=1' }]],
    ['viber', 'message-picture', 'what size is this?', [{ type: 'photo', url: 'https://dl-media.viber.com/5/media/2/short/any/sig/image/0x0/95e0/5ca1a5.jpg', size: 123456, name: 'IMG_1234.jpg' }]],
    ['viber', 'message-location', null, [{ type: 'location', url: 'geo:51.5007,-0.1246' }]],
    ['vk', 'message-new-photo', 'вот такой нужен', [{ type: 'photo', url: 'https://sun9-1.userapi.com/w.jpg', file_id: 'photo123456789_457239017' }]],
    ['vk', 'message-new-voice', null, [{ type: 'voice', url: 'https://psv4.userapi.com/voice.ogg', file_id: 'audio_message123456789_456239020' }]],
    ['line', 'message-image', null, [{ type: 'photo', file_id: '444573844083572738' }]],
    ['line', 'message-location', null, [{ type: 'location', url: 'geo:35.65910807942215,139.70372892916203', name: 'Tokyo Tower' }]],
  ];

  it.each(OTHERS)('stores a %s %s with its attachments and caption', async (messenger, name, text, attachments) => {
    const { api } = await server.project();
    const bot = await botOf(api, messenger);
    expect((await deliver(server.url, messenger, bot, name)).status).toBe(200);
    const [message] = await storedMessages(api);
    expect(message).toMatchObject({ text });
    expect(message.attachments).toEqual(attachments.map(file));
  });

  it('shows a conversation\'s last message with its attachment types, for the related dialogs', async () => {
    const { api } = await server.project();
    const bot = await botOf(api, 'whatsapp');
    await deliver(server.url, 'whatsapp', bot, 'message-voice');
    const contact = (await api('GET', '/v1/contacts')).body.items[0];
    const [conversation] = (await api('GET', `/v1/contacts/${contact.id}/conversations`)).body.items;
    expect(conversation.last_message).toMatchObject({ text: null, direction: 'in', attachment_types: ['voice'] });
  });

  it('accepts attachments with a file id or a URL at POST /v1/inbound, and refuses one with neither', async () => {
    const { api } = await server.project();
    const bot = await botOf(api, 'telegram');
    const answer = await api('POST', '/v1/inbound', {
      bot_id: bot.id,
      external_user_id: '42',
      text: 'look',
      attachments: [{ type: 'photo', file_id: 'AgAC-1', mime_type: 'image/jpeg', size: 1000 }, { type: 'document', url: 'https://example.com/a.pdf', name: 'a.pdf' }],
    });
    expect(answer.status).toBe(200);
    const [message] = await storedMessages(api);
    expect(message.attachments).toEqual([file({ type: 'photo', file_id: 'AgAC-1', mime_type: 'image/jpeg', size: 1000 }), file({ type: 'document', url: 'https://example.com/a.pdf', name: 'a.pdf' })]);
    const bad = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '42', attachments: [{ type: 'photo' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/url or file_id/);
  });
});
