import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMessengerBot, deliver, fixture, postRaw, SECRETS, SIGN, type Messenger } from './helpers/messengers.js';
import { client, startServer, type Api, type TestServer } from './helpers/server.js';

// docs/messengers.md: each messenger's own webhook payload (fixtures under test/fixtures/<messenger>/, each
// README names the document it follows) becomes the same inbound resolution as POST /v1/inbound.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

interface Stored {
  external_user_id: string;
  name?: string;
  username?: string;
  phone?: string;
  text: string | null;
  payload: string | null;
  external_message_id: string | null;
}

/** The one contact the webhook made, its identity and its last message, as the API shows them. */
async function onlyPerson(api: Api) {
  const contacts = await api('GET', '/v1/contacts');
  expect(contacts.body.items).toHaveLength(1);
  const card = await api('GET', `/v1/contacts/${contacts.body.items[0].id}`);
  const conversations = await api('GET', `/v1/contacts/${card.body.id}/conversations`);
  const messages = await api('GET', `/v1/conversations/${conversations.body.items[0].id}/messages?order=desc&limit=1`);
  return { card: card.body, identity: card.body.identities[0], message: messages.body.items[0] };
}

const PEOPLE: Array<[Messenger, string, Stored]> = [
  ['telegram', 'message-text', { external_user_id: '1111111', name: 'Ann Smith', username: 'ann_smith', text: 'Hello, do you deliver on Sundays?', payload: null, external_message_id: '1365' }],
  ['telegram', 'message-start', { external_user_id: '1111111', text: '/start eyJlIjoiZW1haWxAZ21haWwuY29tIn0', payload: 'eyJlIjoiZW1haWxAZ21haWwuY29tIn0', external_message_id: '1366' }],
  ['telegram', 'message-contact', { external_user_id: '1111111', phone: '+79001234567', text: null, payload: null, external_message_id: '1367' }],
  ['facebook', 'message-text', { external_user_id: '6789012345678901', text: 'hello, world!', payload: null, external_message_id: 'mid.1457764197618:41d102a3e1ae206a38' }],
  ['facebook', 'referral', { external_user_id: '6789012345678901', text: null, payload: 'mt_Xq2pL9vR4sT7uW1yZ3aB5cD8eF0gH2jK', external_message_id: expect.stringMatching(/^referral:/) as unknown as string }],
  [
    'facebook',
    'postback-referral',
    { external_user_id: '6789012345678902', text: 'Get Started', payload: 'mt_Pq7rS2tU9vW4xY6zA1bC3dE5fG8hJ0kL', external_message_id: 'm_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6AC8fplwlqLP_5cgXIbu7I3rBN0P' },
  ],
  ['instagram', 'message-text', { external_user_id: '1234567890123456', text: 'my code is cli-7KQ3-M9XT', payload: null, external_message_id: expect.stringMatching(/^aWdf/) as unknown as string }],
  ['instagram', 'referral', { external_user_id: '1234567890123456', text: null, payload: 'mt_Ig4hJ6kL8mN0pQ2rS4tU6vW8xY0zA2bC', external_message_id: expect.stringMatching(/^referral:/) as unknown as string }],
  [
    'whatsapp',
    'message-text',
    { external_user_id: '16505551234', name: 'Sheena Nelson', phone: '+16505551234', text: 'Does it come in another color?', payload: null, external_message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=' },
  ],
  ['whatsapp', 'message-code', { external_user_id: '79001234567', name: 'Ivan Petrov', phone: '+79001234567', text: 'cli-7KQ3-M9XT', payload: null, external_message_id: expect.any(String) as unknown as string }],
  ['whatsapp', 'message-button-reply', { external_user_id: '16505551234', text: 'Change', payload: null, external_message_id: expect.any(String) as unknown as string }],
  ['viber', 'conversation-started', { external_user_id: '01234567890A=', name: 'John McClane', text: null, payload: 'mt_Vb3cD5eF7gH9jK1lM3nP5qR7sT9uV1wX', external_message_id: '4912661846655238145' }],
  ['viber', 'message-text', { external_user_id: '01234567890A=', name: 'John McClane', text: 'a message to the service', payload: null, external_message_id: '4912661846655238146' }],
  ['viber', 'subscribed', { external_user_id: '01234567890A=', name: 'John McClane', text: null, payload: null, external_message_id: '4912661846655238147' }],
  ['vk', 'message-new', { external_user_id: '123456789', text: 'Здравствуйте! Есть доставка в субботу?', payload: null, external_message_id: '4021' }],
  ['vk', 'message-new-ref', { external_user_id: '123456790', text: 'Начать', payload: 'mt_Vk2bC4dE6fG8hJ0kL2mN4pQ6rS8tU0vW', external_message_id: '4022' }],
  ['line', 'follow', { external_user_id: 'U3d3edab4f36c6292e6d8a8131f141b8b', text: null, payload: null, external_message_id: '01HMQGW40RZJPJM3RAJP7BHC2Q' }],
  ['line', 'message-text', { external_user_id: 'U3d3edab4f36c6292e6d8a8131f141b8b', text: 'my code cli-7KQ3-M9XT', payload: null, external_message_id: '444573844083572737' }],
];

const IGNORED: Array<[Messenger, string]> = [
  ['telegram', 'my-chat-member'],
  ['facebook', 'delivery'],
  ['facebook', 'echo'],
  ['instagram', 'read'],
  ['whatsapp', 'status-delivered'],
  ['viber', 'unsubscribed'],
  ['viber', 'delivered'],
  ['vk', 'message-typing-state'],
  ['line', 'unfollow'],
  ['line', 'verify'],
];

describe('messenger webhooks in (docs/messengers.md)', () => {
  it.each(PEOPLE)('turns a %s %s event into a contact, an identity and a message', async (messenger, name, expected) => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, messenger, messenger === 'vk' ? { confirmation_code: 'a1b2c3d4' } : {});
    const answer = await deliver(server.url, messenger, bot, name);
    expect(answer.status).toBe(200);

    const { card, identity, message } = await onlyPerson(api);
    expect(identity).toMatchObject({ channel: messenger, bot_id: bot.id, external_user_id: expected.external_user_id });
    if (expected.name) expect(identity.name).toBe(expected.name);
    if (expected.username) expect(identity.username).toBe(expected.username);
    if (expected.phone) expect(card.phone).toBe(expected.phone);
    expect(message).toMatchObject({ direction: 'in', identity_id: identity.id, text: expected.text, payload: expected.payload, external_message_id: expected.external_message_id });
  });

  it.each(IGNORED)('acknowledges a %s %s event that carries no person’s message and stores nothing', async (messenger, name) => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, messenger);
    const answer = await deliver(server.url, messenger, bot, name);
    expect(answer.status).toBe(200);
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });

  it('keeps a WhatsApp sender whose wa_id is not a valid phone number, without a phone', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'whatsapp');
    const body = fixture('whatsapp', 'message-text').replaceAll('16505551234', '999');
    const answer = await postRaw(server.url + bot.webhook_path, body, SIGN.whatsapp(body, SECRETS.whatsapp));
    expect(answer.status).toBe(200);
    const { card, identity } = await onlyPerson(api);
    expect({ external_user_id: identity.external_user_id, phone: card.phone }).toEqual({ external_user_id: '999', phone: null });
  });

  it('stores a message delivered twice by the messenger once', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'whatsapp');
    await deliver(server.url, 'whatsapp', bot, 'message-text');
    await deliver(server.url, 'whatsapp', bot, 'message-text');
    const { card } = await onlyPerson(api);
    const conversations = await api('GET', `/v1/contacts/${card.id}/conversations`);
    expect(conversations.body.items[0].messages_count).toBe(1);
  });

  it("answers VK's confirmation with the bot's confirmation code as plain text and other events with ok", async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'vk', { confirmation_code: 'a1b2c3d4' });
    const confirmation = await deliver(server.url, 'vk', bot, 'confirmation');
    expect({ status: confirmation.status, text: confirmation.text }).toEqual({ status: 200, text: 'a1b2c3d4' });
    expect(confirmation.contentType).toMatch(/^text\/plain/);
    const message = await deliver(server.url, 'vk', bot, 'message-new');
    expect({ status: message.status, text: message.text }).toEqual({ status: 200, text: 'ok' });
  });

  it('refuses VK confirmation for a bot without a confirmation code, saying what to set', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'vk');
    const answer = await deliver(server.url, 'vk', bot, 'confirmation');
    expect(answer.status).toBe(403);
    expect(answer.json.error).toMatchObject({ code: 'webhook_not_configured', message: expect.stringContaining('confirmation_code') });
  });

  it("completes Meta's hub.challenge handshake with the verify token given or made at connection, and refuses a wrong one", async () => {
    const { api } = await server.project();
    const withSecret = await connectMessengerBot(api, 'facebook');
    const withToken = await connectMessengerBot(api, 'whatsapp', { verify_token: 'my-verify-token' });
    // as Meta calls it: no API key
    const handshake = (path: string, token: string) =>
      client(server.url, null)('GET', `${path}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`);

    const byMadeToken = await handshake(withSecret.webhook_path, withSecret.setup.verify_token ?? '');
    expect({ status: byMadeToken.status, text: byMadeToken.body }).toEqual({ status: 200, text: '1158201444' });
    expect(byMadeToken.headers.get('content-type')).toMatch(/^text\/plain/);
    const byToken = await handshake(withToken.webhook_path, 'my-verify-token');
    expect({ status: byToken.status, text: byToken.body }).toEqual({ status: 200, text: '1158201444' });
    const wrong = await handshake(withToken.webhook_path, SECRETS.whatsapp);
    expect(wrong.status).toBe(403);
    expect(wrong.body.error.code).toBe('verify_token_mismatch');
  });

  it('keeps the Viber subscription on the identity: the window is open while subscribed', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'viber');
    const windowOpen = async () => (await onlyPerson(api)).identity.window_open;

    await deliver(server.url, 'viber', bot, 'conversation-started');
    expect(await windowOpen()).toBe(false);
    await deliver(server.url, 'viber', bot, 'subscribed');
    expect(await windowOpen()).toBe(true);
    await deliver(server.url, 'viber', bot, 'unsubscribed');
    expect(await windowOpen()).toBe(false);
    await deliver(server.url, 'viber', bot, 'message-text');
    expect(await windowOpen()).toBe(true);
  });
});

describe('webhook verification (docs/messengers.md)', () => {
  const MESSENGERS: Messenger[] = ['telegram', 'facebook', 'instagram', 'whatsapp', 'viber', 'vk', 'line', 'max'];
  const PERSON: Record<Messenger, string> = {
    telegram: 'message-text',
    facebook: 'message-text',
    instagram: 'message-text',
    whatsapp: 'message-text',
    viber: 'message-text',
    vk: 'message-new',
    line: 'message-text',
    max: 'message-created-text',
  };

  /** Forgeries of a genuine payload: unsigned, signed with another secret, altered after signing. */
  function forgeries(messenger: Messenger): Array<[string, string, Record<string, string>]> {
    const body = fixture(messenger, PERSON[messenger]);
    if (messenger === 'vk') {
      const payload = JSON.parse(body);
      const { secret: _secret, ...unsigned } = payload;
      return [
        ['unsigned', JSON.stringify(unsigned), {}],
        ['signed with another secret', JSON.stringify({ ...payload, secret: 'guess' }), {}],
      ];
    }
    const altered = body.replace(/"(text|body)": "/, '"$1": "pwned ');
    expect(altered).not.toBe(body);
    const cases: Array<[string, string, Record<string, string>]> = [
      ['unsigned', body, {}],
      ['signed with another secret', body, SIGN[messenger](body, 'not-the-secret')],
    ];
    // Telegram's secret token and MAX's subscription secret are static headers, not signatures over the body
    if (messenger !== 'telegram' && messenger !== 'max') cases.push(['altered after signing', altered, SIGN[messenger](body, SECRETS[messenger])]);
    return cases;
  }

  it.each(MESSENGERS)('refuses forged and unsigned %s payloads with 401 and stores nothing', async (messenger) => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, messenger);
    for (const [what, body, headers] of forgeries(messenger)) {
      const answer = await postRaw(server.url + bot.webhook_path, body, headers);
      expect({ what, status: answer.status, code: answer.json?.error?.code }).toEqual({ what, status: 401, code: 'invalid_signature' });
    }
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });

  it.each(MESSENGERS)('refuses malformed %s payloads with 400 and stores nothing, even when signed', async (messenger) => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, messenger);
    const malformed = messenger === 'vk' ? { type: 'message_new', group_id: 1, secret: SECRETS.vk, object: { message: { from_id: 'x' } } } : { hello: 'world' };
    const cases: Array<[string, string]> = [
      ['not JSON', '{"update_id": '],
      ['not the messenger’s shape', JSON.stringify(malformed)],
    ];
    for (const [what, body] of cases) {
      const answer = await postRaw(server.url + bot.webhook_path, body, SIGN[messenger](body, SECRETS[messenger]));
      expect({ what, status: answer.status }).toEqual({ what, status: 400 });
      expect(answer.json.error.message.length).toBeGreaterThan(10);
    }
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });

  it('refuses webhooks for a bot that has no secret to verify them with', async () => {
    const { api } = await server.project();
    const bot = (await api('POST', '/v1/bots', { channel: 'telegram', handle: 'no_secret_bot' })).body;
    const answer = await postRaw(server.url + bot.webhook_path, fixture('telegram', 'message-text'), { 'x-telegram-bot-api-secret-token': '' });
    expect(answer.status).toBe(403);
    expect(answer.json.error.code).toBe('webhook_not_configured');
  });

  it('answers 404 for an unknown bot, a bot of another channel and a channel without webhooks', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'telegram');
    const body = fixture('telegram', 'message-text');
    const headers = SIGN.telegram(body, SECRETS.telegram);
    const unknown = await postRaw(`${server.url}/v1/channels/telegram/0190f0f0-0000-7000-8000-000000000000`, body, headers);
    const otherChannel = await postRaw(`${server.url}/v1/channels/viber/${bot.id}`, body, headers);
    const noWebhooks = await postRaw(`${server.url}/v1/channels/email/${bot.id}`, body, headers);
    expect([unknown, otherChannel, noWebhooks].map((a) => [a.status, a.json.error.code])).toEqual([
      [404, 'bot_not_found'],
      [404, 'bot_not_found'],
      [404, 'no_webhook_for_channel'],
    ]);
  });

  it('refuses a payload larger than 1 MB with 413', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'telegram');
    const huge = JSON.stringify({ update_id: 1, padding: 'x'.repeat(1024 * 1024) });
    const answer = await postRaw(server.url + bot.webhook_path, huge, SIGN.telegram(huge, SECRETS.telegram));
    expect(answer.status).toBe(413);
    expect((await api('GET', '/v1/contacts')).body.items).toEqual([]);
  });

  it('needs no API key: the signature is the authentication', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'line');
    const answer = await deliver(server.url, 'line', bot, 'message-text');
    expect(answer.status).toBe(200);
    const withoutKey = await fetch(`${server.url}/v1/contacts`);
    expect(withoutKey.status).toBe(401);
  });
});
