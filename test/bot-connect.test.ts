import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readConfig } from '../src/config.js';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';
import { client, startServer, type TestServer } from './helpers/server.js';

// Connecting a bot in one step for the other messengers (Telegram end to end is in
// telegram-emulator.test.ts): Viber's set_webhook through a local stand-in of its API that records each
// call, Meta's callback URL and verify token to paste, and what the answer says without a public URL.

const PUBLIC_URL = 'https://omnimerge.example.com/crm';
const VIBER_TOKEN = '445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9';

let fake: FakeMessengerApi;
let server: TestServer;
let withoutPublicUrl: TestServer;

beforeAll(async () => {
  fake = await startMessengerApi();
  const messengerApiUrls = { telegram: `${fake.url}/telegram`, viber: `${fake.url}/viber` };
  server = await startServer({ messengerApiUrls, publicUrl: PUBLIC_URL });
  withoutPublicUrl = await startServer({ messengerApiUrls });
});
afterAll(async () => {
  await server?.close();
  await withoutPublicUrl?.close();
  await fake?.close();
});
beforeEach(() => {
  fake.requests.length = 0;
});

describe('connecting a Viber bot', () => {
  it('registers the webhook with set_webhook and its auth token when the public URL is known', async () => {
    const { api } = await server.project();
    const created = await api('POST', '/v1/bots', { channel: 'viber', handle: 'shopchat', token: VIBER_TOKEN });

    expect(created.status).toBe(201);
    const callbackUrl = `${PUBLIC_URL}/v1/channels/viber/${created.body.id}`;
    expect(created.body.setup).toEqual({ callback_url: callbackUrl, webhook_registered: true, verify_token: null, reconnected: false, next_step: expect.stringContaining('nothing') });
    expect(fake.requests).toEqual([
      expect.objectContaining({ path: '/viber/pa/set_webhook', headers: expect.objectContaining({ 'x-viber-auth-token': VIBER_TOKEN }), json: { url: callbackUrl, send_name: true, send_photo: false } }),
    ]);
  });

  it('refuses an auth token Viber does not accept with 422 invalid_bot_token and keeps nothing', async () => {
    const { api } = await server.project();
    fake.queue({ status: 200, body: { status: 2, status_message: 'invalidAuthToken' } });
    const refused = await api('POST', '/v1/bots', { channel: 'viber', handle: 'shopchat', token: 'not-a-token' });

    expect(refused.status).toBe(422);
    expect(refused.body.error).toEqual({ code: 'invalid_bot_token', message: expect.stringContaining('invalidAuthToken') });
    expect((await api('GET', '/v1/bots?include_disconnected=true')).body.items).toEqual([]);
  });

  it("answers 502 webhook_not_registered with Viber's reason when it refuses the URL, and keeps nothing", async () => {
    const { api } = await server.project();
    fake.queue({ status: 200, body: { status: 1, status_message: 'Result[HttpRequest[POST /] @ 0 to https://omnimerge.example.com] failed: Certificate not valid' } });
    const refused = await api('POST', '/v1/bots', { channel: 'viber', handle: 'shopchat', token: VIBER_TOKEN });

    expect(refused.status).toBe(502);
    expect(refused.body.error).toEqual({ code: 'webhook_not_registered', message: expect.stringContaining('Certificate not valid') });
    expect((await api('GET', '/v1/bots?include_disconnected=true')).body.items).toEqual([]);
  });

  it('removes the webhook with an empty set_webhook url on DELETE, keeping the contact', async () => {
    const { api } = await server.project();
    const bot = (await api('POST', '/v1/bots', { channel: 'viber', handle: 'shopchat', token: VIBER_TOKEN })).body;
    const inbound = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '01234567890A=', text: 'hi' });
    fake.requests.length = 0;

    const removed = await api('DELETE', `/v1/bots/${bot.id}`);

    expect(removed.status).toBe(200);
    expect(removed.body.webhook).toEqual({ removed: true, message: expect.any(String) });
    expect(fake.requests).toEqual([expect.objectContaining({ path: '/viber/pa/set_webhook', headers: expect.objectContaining({ 'x-viber-auth-token': VIBER_TOKEN }), json: { url: '' } })]);
    expect((await api('GET', `/v1/contacts/${inbound.body.contact_id}`)).body.identities).toEqual([expect.objectContaining({ bot_id: bot.id, external_user_id: '01234567890A=' })]);
    const more = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '01234567890A=', text: 'hello?' });
    expect(more.status).toBe(409);
    expect(more.body.error.code).toBe('bot_disconnected');
  });
});

describe('connecting a Meta bot (facebook, instagram, whatsapp)', () => {
  it.each(['facebook', 'instagram', 'whatsapp'])('shows the %s callback URL and a verify token once, which then completes the hub.challenge', async (channel) => {
    const { api } = await server.project();
    const created = await api('POST', '/v1/bots', { channel, handle: 'shop', secret: 'meta-app-secret' });

    expect(created.status).toBe(201);
    const callbackUrl = `${PUBLIC_URL}/v1/channels/${channel}/${created.body.id}`;
    expect(created.body.setup).toEqual({ callback_url: callbackUrl, webhook_registered: false, verify_token: expect.stringMatching(/^[A-Za-z0-9_-]{32,}$/), reconnected: false, next_step: expect.stringContaining(callbackUrl) });
    expect(fake.requests).toEqual([]);
    const verifyToken = created.body.setup.verify_token;
    expect(JSON.stringify((await api('GET', '/v1/bots')).body)).not.toContain(verifyToken);

    const anonymous = client(server.url, null);
    const handshake = await anonymous('GET', `${created.body.webhook_path}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=1158201444`);
    expect({ status: handshake.status, body: handshake.body }).toEqual({ status: 200, body: '1158201444' });
    const wrong = await anonymous('GET', `${created.body.webhook_path}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1158201444`);
    expect(wrong.status).toBe(403);
  });

  it('keeps a verify token given, and says when the app secret is missing', async () => {
    const { api } = await server.project();
    const created = await api('POST', '/v1/bots', { channel: 'whatsapp', handle: '+1 415 555 2671', verify_token: 'my-verify-token' });
    expect(created.body.setup).toMatchObject({ verify_token: 'my-verify-token', next_step: expect.stringContaining('no secret') });
  });
});

describe('connecting without a public URL', () => {
  it("still checks a Telegram token with getMe, registers nothing, and says what to do", async () => {
    const { api } = await withoutPublicUrl.project();
    const created = await api('POST', '/v1/bots', { channel: 'telegram', token: '123456:ABC-DEF1234ghIkl' });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ handle: 'shop', has_secret: false });
    expect(created.body.setup).toEqual({ callback_url: null, webhook_registered: false, verify_token: null, reconnected: false, next_step: expect.stringContaining('OMNIMERGE_PUBLIC_URL') });
    expect(fake.requests.map((r) => r.path)).toEqual(['/telegram/bot123456:ABC-DEF1234ghIkl/getMe']);
  });

  it('writes the Meta callback URL as the path to append to the public address', async () => {
    const { api } = await withoutPublicUrl.project();
    const created = await api('POST', '/v1/bots', { channel: 'facebook', handle: 'shop', secret: 's' });
    expect(created.body.setup).toMatchObject({ callback_url: null, next_step: expect.stringContaining(`<the public URL of this server>/v1/channels/facebook/${created.body.id}`) });
  });

  it('says channels without a webhook come in through POST /v1/inbound, and disconnects them with nothing to unregister', async () => {
    const { api } = await withoutPublicUrl.project();
    const created = await api('POST', '/v1/bots', { channel: 'webchat', handle: 'site' });
    expect(created.body.setup).toMatchObject({ callback_url: null, webhook_registered: false, next_step: expect.stringContaining('POST /v1/inbound') });
    const removed = await api('DELETE', `/v1/bots/${created.body.id}`);
    expect(removed.body).toMatchObject({ webhook: { removed: null }, disconnected_at: expect.any(String) });
  });

  it('asks for a handle when neither it nor a token to read it from is given', async () => {
    const { api } = await withoutPublicUrl.project();
    const refused = await api('POST', '/v1/bots', { channel: 'telegram' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toEqual({ code: 'invalid_request', message: expect.stringContaining('handle is required for telegram') });
    const unknown = await api('DELETE', '/v1/bots/0190f0f0-0000-7000-8000-000000000000');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('bot_not_found');
  });
});

describe('OMNIMERGE_PUBLIC_URL', () => {
  it('is read from the environment or --public-url, without a trailing slash, and must be an http(s) base URL', () => {
    expect(readConfig({ OMNIMERGE_PUBLIC_URL: 'https://omnimerge.example.com/' }).publicUrl).toBe('https://omnimerge.example.com');
    expect(readConfig({}, { publicUrl: 'https://a.example.com/crm' }).publicUrl).toBe('https://a.example.com/crm');
    expect(readConfig({}).publicUrl).toBeNull();
    expect(() => readConfig({ OMNIMERGE_PUBLIC_URL: 'omnimerge.example.com' })).toThrow(/OMNIMERGE_PUBLIC_URL must be/);
    expect(() => readConfig({ OMNIMERGE_PUBLIC_URL: 'ftp://omnimerge.example.com' })).toThrow(/OMNIMERGE_PUBLIC_URL must be/);
  });
});
