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
    // the API signs what it makes: the seed's payload and 8 characters of MAC (docs/links.md)
    expect(invite.body.payload).toMatch(/^eyJlIjoiZW1haWxAZ21haWwuY29tIn0[A-Za-z0-9_-]{8}$/);
    expect(invite.body.url).toBe(`https://t.me/telegram_shop?start=${invite.body.payload}`);
    // the seed's unsigned link still writes the new contact's e-mail
    expect((await deliver(server.url, 'telegram', bot, 'message-start')).status).toBe(200);
    const contacts = (await api('GET', '/v1/contacts')).body.items;
    expect(contacts).toEqual([expect.objectContaining({ email: 'email@gmail.com' })]);
  });

  it('stores a payload that is not such JSON as the contact\'s external_id (Facebook ref)', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'facebook');
    const invite = await api('POST', `/v1/bots/${bot.id}/invite-link`, { payload: 'order-1234' });
    expect(invite.body.payload).toMatch(/^order-1234[A-Za-z0-9_-]{8}$/);
    expect(invite.body.url).toBe(`https://m.me/facebook_shop?ref=${invite.body.payload}`);
    const body = fixture('facebook', 'referral').replace(/mt_\w+/, invite.body.payload);
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
    expect(tooLong.body.error.message).toMatch(/is \d+ characters with its 8-character signature, \d+ over the limit of 64/);
    const raw = await api('POST', `/v1/bots/${bot.id}/invite-link`, { payload: 'x'.repeat(70) });
    expect(raw.body.error).toMatchObject({ code: 'payload_too_long', message: expect.stringContaining('14 over') });
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

describe('invite data trust (start_param, trust_start_data, signed links)', () => {
  const startUpdate = (userId: number, payload: string) => ({
    update_id: userId,
    message: { message_id: 1, date: 1717000000, chat: { id: userId, type: 'private' }, from: { id: userId, is_bot: false, first_name: 'Mallory' }, text: `/start ${payload}` },
  });
  const postStart = (bot: { webhook_path: string }, userId: number, payload: string) => {
    const body = JSON.stringify(startUpdate(userId, payload));
    return postRaw(server.url + bot.webhook_path, body, SIGN.telegram(body, SECRETS.telegram));
  };
  const handMade = (data: object) => Buffer.from(JSON.stringify(data)).toString('base64url');

  async function victimProject() {
    const { api } = await server.project();
    expect((await api('POST', '/v1/merge-rules', { fields: ['phone'] })).status).toBe(201);
    const victim = (await api('POST', '/v1/contacts', { name: 'Victim', phone: '+79001234567' })).body;
    const bot = await connectMessengerBot(api, 'telegram');
    return { api, victim, bot };
  }

  it("does not merge a stranger's hand-made /start payload into the victim's contact under an auto phone rule: it suggests the merge with that evidence", async () => {
    const { api, victim, bot } = await victimProject();
    expect((await postStart(bot, 6666666, handMade({ p: '+79001234567' }))).status).toBe(200);

    const victimCard = (await api('GET', `/v1/contacts/${victim.id}`)).body;
    expect(victimCard).toMatchObject({ state: 'active', identities: [] });
    const contacts = (await api('GET', '/v1/contacts')).body.items;
    expect(contacts).toHaveLength(2);
    const stranger = contacts.find((c: { id: string }) => c.id !== victim.id);
    // written to the new contact, so an operator sees what the stranger claimed
    expect(stranger.phone).toBe('+79001234567');
    const suggestions = (await api('GET', '/v1/merge-suggestions')).body.items;
    expect(suggestions).toEqual([
      expect.objectContaining({ kind: 'rule', status: 'pending', from_contact_id: stranger.id, to_contact_id: victim.id, evidence: expect.objectContaining({ untrusted: { source: 'invite_data', fields: ['phone'] } }) }),
    ]);
  });

  it('answers at /v1/inbound that the data was not trusted and what the rules suggested instead', async () => {
    const { api, victim, bot } = await victimProject();
    const answer = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '6666666', payload: handMade({ p: '+7 900 123-45-67' }) });
    expect(answer.body).toMatchObject({ created: true, invite: { p: '+7 900 123-45-67', signed: false, trusted: false }, rules: { merged: [], suggested: [expect.objectContaining({ to_contact_id: victim.id })] } });
    expect(answer.body.contact_id).not.toBe(victim.id);
  });

  it('merges through a signed invite link made by the API, and not through the same link on another bot', async () => {
    const { api, victim, bot } = await victimProject();
    const other = await connectMessengerBot(api, 'telegram', { handle: 'other_bot' });
    const invite = (await api('POST', `/v1/bots/${bot.id}/invite-link`, { data: { p: '+79001234567' } })).body;

    // signed for another bot, it is just an opaque start parameter here: no phone, no merge
    const elsewhere = await api('POST', '/v1/inbound', { bot_id: other.id, external_user_id: '5555555', payload: invite.payload });
    expect(elsewhere.body).toMatchObject({ invite: { signed: false, trusted: false } });
    expect(elsewhere.body.contact_id).not.toBe(victim.id);
    expect((await api('GET', `/v1/contacts/${victim.id}`)).body.identities).toEqual([]);

    expect((await postStart(bot, 7777777, invite.payload)).status).toBe(200);
    const card = (await api('GET', `/v1/contacts/${victim.id}`)).body;
    expect(card.identities.map((i: { external_user_id: string }) => i.external_user_id)).toEqual(['7777777']);
  });

  it('merges unsigned start data on a bot set to trust it (PATCH /v1/bots/{id})', async () => {
    const { api, victim, bot } = await victimProject();
    const changed = await api('PATCH', `/v1/bots/${bot.id}`, { trust_start_data: true });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ id: bot.id, trust_start_data: true, start_param: 'external_id' });
    expect((await postStart(bot, 8888888, handMade({ p: '+79001234567' }))).status).toBe(200);
    const card = (await api('GET', `/v1/contacts/${victim.id}`)).body;
    expect(card.identities.map((i: { external_user_id: string }) => i.external_user_id)).toEqual(['8888888']);
  });

  it('keeps a plain start parameter as the external id by default, drops it when the bot says "ignore", and still reads a signed one', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'telegram');
    expect(bot).toMatchObject({ start_param: 'external_id', trust_start_data: false });
    await postStart(bot, 1001, 'crm-42');
    expect((await api('GET', '/v1/contacts?external_id=crm-42')).body.items).toHaveLength(1);

    expect((await api('PATCH', `/v1/bots/${bot.id}`, { start_param: 'ignore', name: 'Shop' })).body).toMatchObject({ start_param: 'ignore', name: 'Shop' });
    await postStart(bot, 1002, 'crm-43');
    expect((await api('GET', '/v1/contacts?external_id=crm-43')).body.items).toHaveLength(0);
    expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(2);

    const signed = (await api('POST', `/v1/bots/${bot.id}/invite-link`, { payload: 'crm-44' })).body.payload;
    await postStart(bot, 1003, signed);
    expect((await api('GET', '/v1/contacts?external_id=crm-44')).body.items).toHaveLength(1);
  });

  it("does not merge through a plain start parameter equal to another contact's external id under an auto external_id rule", async () => {
    const { api } = await server.project();
    await api('POST', '/v1/merge-rules', { fields: ['external_id'] });
    const known = (await api('POST', '/v1/contacts', { name: 'Known', external_id: 'crm-1' })).body;
    const bot = await connectMessengerBot(api, 'telegram');
    await postStart(bot, 1005, 'crm-1');
    expect((await api('GET', `/v1/contacts/${known.id}`)).body.identities).toEqual([]);
    const [suggestion] = (await api('GET', '/v1/merge-suggestions')).body.items;
    expect(suggestion).toMatchObject({ to_contact_id: known.id, evidence: { untrusted: { source: 'start_param', fields: ['external_id'] } } });
  });

  it('lets untrusted data fill only what a known contact lacks', async () => {
    const { api } = await server.project();
    const bot = await connectMessengerBot(api, 'telegram');
    const first = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '1004', text: 'hi' });
    await api('PATCH', `/v1/contacts/${first.body.contact_id}`, { phone: '+79001112233' });
    await postStart(bot, 1004, handMade({ p: '+79009998877', e: 'me@example.com' }));
    expect((await api('GET', `/v1/contacts/${first.body.contact_id}`)).body).toMatchObject({ phone: '+79001112233', email: 'me@example.com' });
  });

  it('sets start_param and trust_start_data when connecting, and refuses unknown values and bots', async () => {
    const { api } = await server.project();
    const created = await api('POST', '/v1/bots', { channel: 'telegram', handle: 'b', start_param: 'ignore', trust_start_data: true });
    expect(created.body).toMatchObject({ start_param: 'ignore', trust_start_data: true });
    const bad = await api('PATCH', `/v1/bots/${created.body.id}`, { start_param: 'phone' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid_request');
    expect((await api('PATCH', '/v1/bots/0190c0de-0000-7000-8000-000000000000', { name: 'x' })).status).toBe(404);
    expect((await api('GET', '/v1/bots')).body.items[0]).toMatchObject({ start_param: 'ignore', trust_start_data: true });
  });
});
