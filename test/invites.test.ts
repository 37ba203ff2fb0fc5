import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMessengerBot, deliver, fixture, postRaw, SECRETS, SIGN } from './helpers/messengers.js';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

// docs/links.md invite links that carry data into the bot, and inviting the client from a chat.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('invite links with data (docs/links.md)', () => {
  it('writes the data a link carried to the contact who arrives with it, the phone normalized', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api, 'telegram', 'shop_bot');
    const invite = await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { p: '+7 900 123-45-67', e: 'Ann@Ex.io' } });
    expect(invite.status).toBe(201);
    expect(invite.body.url).toBe(`https://t.me/shop_bot?start=${invite.body.payload}`);

    const arrival = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', text: `/start ${invite.body.payload}` });
    expect(arrival.body).toMatchObject({ errors: [], invite: { p: '+7 900 123-45-67', e: 'Ann@Ex.io' } });
    const more = (await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { eId: 'crm-42', v: { city: 'Moscow' } } })).body;
    await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: more.payload });
    const contact = (await api('GET', `/v1/contacts/${arrival.body.contact_id}`)).body;
    expect(contact).toMatchObject({ phone: '+79001234567', email: 'ann@ex.io', external_id: 'crm-42', variables: { city: 'Moscow' } });
  });

  it('reads the seed\'s example link through Telegram\'s own webhook', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'telegram');
    const invite = await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { e: 'email@gmail.com' } });
    expect(invite.body).toEqual({ url: 'https://t.me/telegram_shop?start=eyJlIjoiZW1haWxAZ21haWwuY29tIn0', payload: 'eyJlIjoiZW1haWxAZ21haWwuY29tIn0' });
    expect((await deliver(server.url, 'telegram', bot, 'message-start')).status).toBe(200);
    const contacts = (await api('GET', '/v1/contacts')).body.items;
    expect(contacts).toEqual([expect.objectContaining({ email: 'email@gmail.com' })]);
  });

  it('stores a payload that is not such JSON as the contact\'s external_id (Facebook ref)', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'facebook');
    const invite = await api('POST', `/v1/bots/${bot.id}/invite-link`, { payload: 'order-1234' });
    expect(invite.body).toEqual({ url: 'https://m.me/facebook_shop?ref=order-1234', payload: 'order-1234' });
    const body = fixture('facebook', 'referral').replace(/mt_\w+/, 'order-1234');
    await postRaw(server.url + bot.webhook_path, body, SIGN.facebook(body, SECRETS.facebook));
    expect((await api('GET', '/v1/contacts?external_id=order-1234')).body.items).toHaveLength(1);
  });

  it('reads invite data from the text a WhatsApp link pre-filled, and leaves other texts alone', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api, 'whatsapp', '+1 555 078 3881');
    const invite = (await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { eId: 'crm-7' } })).body;
    expect(invite.url).toBe(`https://wa.me/15550783881?text=${invite.payload}`);
    const chat = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '79001234567', text: 'hello there' });
    expect((await api('GET', `/v1/contacts/${chat.body.contact_id}`)).body.external_id).toBeNull();
    await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '79001234567', text: invite.payload });
    expect((await api('GET', `/v1/contacts/${chat.body.contact_id}`)).body.external_id).toBe('crm-7');
  });

  it('refuses a payload over 64 characters, saying by how many', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api, 'telegram');
    const tooLong = await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { v: { stage_name: '1.First stage of the funnel' } } });
    expect(tooLong.status).toBe(422);
    expect(tooLong.body.error.code).toBe('payload_too_long');
    expect(tooLong.body.error.message).toMatch(/is \d+ characters, \d+ over the limit of 64/);
    const raw = await api('POST', `/v1/bots/${bot.id}/invite-link`, { payload: 'x'.repeat(70) });
    expect(raw.body.error).toMatchObject({ code: 'payload_too_long', message: expect.stringContaining('6 over') });
    expect((await api('POST', `/v1/bots/${bot.id}/invite-link`, {})).status).toBe(400);
  });

  it('reports an invalid phone in the data and still writes the rest', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api, 'telegram');
    const invite = (await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { p: '12', e: 'ann@example.com' } })).body;
    const arrival = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: invite.payload });
    expect(arrival.body.errors).toEqual([expect.objectContaining({ code: 'invalid_phone' })]);
    expect((await api('GET', `/v1/contacts/${arrival.body.contact_id}`)).body).toMatchObject({ phone: null, email: 'ann@example.com' });
  });
});

describe('invite from a chat (docs/links.md)', () => {
  it('sends the WhatsApp link and code into the Instagram conversation; the client arriving on WhatsApp joins the contact with their number', async () => {
    const { api, projectId } = await server.project();
    const instagram = await connectBot(api, 'instagram', 'shop');
    const whatsapp = await connectMessengerBot(api, 'whatsapp', { handle: '+1 555 078 3881' });
    const chat = await api('POST', '/v1/inbound', { bot_id: instagram.id, external_user_id: 'ig-ann', text: 'can we talk on WhatsApp?' });

    const invite = await api('POST', `/v1/conversations/${chat.body.conversation_id}/invite`, { channel: 'whatsapp', tag: 'Hi Ann, here we are' });
    expect(invite.status).toBe(201);
    expect(invite.body.url).toBe(`https://wa.me/15550783881?text=${invite.body.code}`);
    expect(invite.body.message).toMatchObject({ direction: 'out', delivery_state: 'handed_over', text: expect.stringContaining(invite.body.url) });
    expect(invite.body.message.text).toContain(invite.body.code);
    const outbound = await server.store.db.selectFrom('outbox').select('data').where('project_id', '=', projectId).where('type', '=', 'message.outbound').execute();
    expect(outbound).toEqual([expect.objectContaining({ data: expect.objectContaining({ channel: 'instagram', text: invite.body.message.text }) })]);

    const body = fixture('whatsapp', 'message-code').replace('cli-7KQ3-M9XT', invite.body.code);
    expect((await postRaw(server.url + whatsapp.webhook_path, body, SIGN.whatsapp(body, SECRETS.whatsapp))).status).toBe(200);
    const contact = (await api('GET', `/v1/contacts/${chat.body.contact_id}`)).body;
    expect(contact.phone).toBe('+79001234567');
    expect(contact.identities.map((i: { channel: string }) => i.channel).sort()).toEqual(['instagram', 'whatsapp']);
    expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(1);
  });

  it('keeps the phone the contact already had when the client arrives on WhatsApp, and the wa_id as an alternate', async () => {
    const { api } = await server.project();
    const instagram = await connectBot(api, 'instagram', 'shop');
    const whatsapp = await connectMessengerBot(api, 'whatsapp', { handle: '+1 555 078 3881' });
    const chat = await api('POST', '/v1/inbound', { bot_id: instagram.id, external_user_id: 'ig-bob', text: 'hi' });
    await api('PATCH', `/v1/contacts/${chat.body.contact_id}`, { phone: '+14155552671' });
    const invite = await api('POST', `/v1/conversations/${chat.body.conversation_id}/invite`, { channel: 'whatsapp' });

    const body = fixture('whatsapp', 'message-code').replace('cli-7KQ3-M9XT', invite.body.code);
    expect((await postRaw(server.url + whatsapp.webhook_path, body, SIGN.whatsapp(body, SECRETS.whatsapp))).status).toBe(200);
    const contact = (await api('GET', `/v1/contacts/${chat.body.contact_id}`)).body;
    expect(contact.phone).toBe('+14155552671');
    expect(contact.alternates.phones).toEqual(['+79001234567']);
    expect((await api('GET', '/v1/contacts?phone=%2B79001234567')).body.items.map((c: { id: string }) => c.id)).toEqual([chat.body.contact_id]);
  });

  it('answers 404 for an unknown conversation', async () => {
    const { api } = await server.project();
    const answer = await api('POST', '/v1/conversations/00000000-0000-7000-8000-000000000000/invite', { channel: 'telegram' });
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('conversation_not_found');
  });
});
