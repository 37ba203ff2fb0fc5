import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMessengerBot, fixture, postRaw, SECRETS, SIGN, type Messenger, type WebhookBot } from './helpers/messengers.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

// docs/links.md, docs/merging.md: merge links and codes move a known contact to another messenger; the identity the
// client arrives with joins that contact, at once (auto) or after an operator approves (manual).

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** A fixture as the messenger would send it after the client followed our link: its ref / context / code replaced. */
function deliverWith(messenger: Messenger, bot: WebhookBot, name: string, replace: [RegExp | string, string]) {
  const body = fixture(messenger, name).replace(replace[0], replace[1]);
  return postRaw(server.url + bot.webhook_path, body, SIGN[messenger](body, SECRETS[messenger]));
}

async function outbox(projectId: string, type: string) {
  return server.store.db.selectFrom('outbox').select(['type', 'contact_id', 'data']).where('project_id', '=', projectId).where('type', '=', type).execute();
}

async function knownClient(api: Api) {
  return (await api('POST', '/v1/contacts', { name: 'Ann', email: 'ann@example.com' })).body as { id: string };
}

const TOKEN_WEBHOOKS: Array<[Messenger, string, RegExp, (token: string) => string, RegExp]> = [
  ['telegram', 'message-start', /\/start \w+/, (t) => `/start ${t}`, /^https:\/\/t\.me\/telegram_shop\?start=m-[\w-]{32}$/],
  ['facebook', 'referral', /mt_\w+/, (t) => t, /^https:\/\/m\.me\/facebook_shop\?ref=m-[\w-]{32}$/],
  ['facebook', 'postback-referral', /mt_\w+/, (t) => t, /^https:\/\/m\.me\/facebook_shop\?ref=m-[\w-]{32}$/],
  ['instagram', 'referral', /mt_\w+/, (t) => t, /^https:\/\/ig\.me\/m\/instagram_shop\?ref=m-[\w-]{32}$/],
  ['viber', 'conversation-started', /mt_\w+/, (t) => t, /^viber:\/\/pa\?chatURI=viber_shop&context=m-[\w-]{32}$/],
  ['vk', 'message-new-ref', /mt_\w+/, (t) => t, /^https:\/\/vk\.me\/vk_shop\?ref=m-[\w-]{32}$/],
];

const CODE_WEBHOOKS: Array<[Messenger, string]> = [
  ['whatsapp', 'message-code'],
  ['instagram', 'message-text'],
  ['line', 'message-text'],
];

describe('merge links through the messengers\' own webhooks (docs/links.md)', () => {
  it.each(TOKEN_WEBHOOKS)('a %s token coming back in %s links the client to the contact the link was made for', async (messenger, name, pattern, carry, url) => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectMessengerBot(api, messenger);
    const link = await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: messenger, tag: 'welcome' });
    expect(link.status).toBe(201);
    expect(link.body).toMatchObject({ channel: messenger, bot_id: bot.id, token: expect.stringMatching(/^m-[\w-]{32}$/) });
    expect(link.body.url).toMatch(url);

    expect((await deliverWith(messenger, bot, name, [pattern, carry(link.body.token)])).status).toBe(200);
    const card = (await api('GET', `/v1/contacts/${contact.id}`)).body;
    expect(card.identities).toEqual([expect.objectContaining({ channel: messenger, bot_id: bot.id })]);
    expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(1);
    const switched = await outbox(projectId, `switch_to_${messenger}`);
    expect(switched).toEqual([expect.objectContaining({ contact_id: contact.id, data: expect.objectContaining({ tag: 'welcome', identity_id: card.identities[0].id }) })]);
    expect(await outbox(projectId, 'identity.linked')).toHaveLength(1);
    const history = (await api('GET', `/v1/contacts/${contact.id}/history`)).body.items;
    expect(history).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'link', contact_id: contact.id })]));
  });

  it.each(CODE_WEBHOOKS)('a %s code sent as text (%s) links the client, and is what text_to_merge_contact holds', async (messenger, name) => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectMessengerBot(api, messenger, messenger === 'whatsapp' ? { handle: '+1 555 078 3881' } : {});
    const link = await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: messenger });
    expect(link.body.code).toMatch(/^cli-[2-9A-HJ-KMNP-Z]{5}-[2-9A-HJ-KMNP-Z]{5}$/);
    if (messenger === 'whatsapp') expect(link.body.url).toBe(`https://wa.me/15550783881?text=${link.body.code}`);
    if (messenger === 'line') expect(link.body.url).toBe(`https://line.me/R/oaMessage/line_shop/?${link.body.code}`);
    if (messenger === 'instagram') expect(link.body.url).toMatch(/^https:\/\/ig\.me\/m\/instagram_shop\?ref=m-[\w-]{32}$/);
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.variables).toEqual({ text_to_merge_contact: link.body.code });

    expect((await deliverWith(messenger, bot, name, ['cli-7KQ3-M9XT', link.body.code.toLowerCase()])).status).toBe(200);
    const card = (await api('GET', `/v1/contacts/${contact.id}`)).body;
    expect(card.identities).toEqual([expect.objectContaining({ channel: messenger })]);
    expect(await outbox(projectId, `switch_to_${messenger}`)).toHaveLength(1);
    if (messenger === 'whatsapp') expect(card.phone).toBe('+79001234567');
  });
});

describe('completing a merge link in inbound resolution (inbound resolution step 3 (docs/concepts.md))', () => {
  it('merges the contact the client already had into the link\'s contact and answers the tag to send', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'telegram', 'shop_bot');
    const before = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'tg-1', text: 'hi, I am Ann' });
    const link = await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 1, tag: 'Thanks for moving to Telegram!' });

    const back = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'tg-1', text: `/start@shop_bot ${link.body.token}` });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({
      contact_id: contact.id,
      created: false,
      linked: { link_id: expect.any(String), contact_id: contact.id, status: 'completed' },
      merged: { from_contact_id: before.body.contact_id, to_contact_id: contact.id },
      actions: [{ type: 'send_message', channel: 'telegram', bot_id: bot.id, identity_id: before.body.identity_id, text: 'Thanks for moving to Telegram!' }],
      errors: [],
    });
    expect((await api('GET', `/v1/contacts/${before.body.contact_id}`)).body).toMatchObject({ state: 'merged', merged_into: contact.id });
    const messages = await api('GET', `/v1/conversations/${back.body.conversation_id}/messages`);
    expect(messages.body.items.map((m: { text: string }) => m.text)).toEqual(['hi, I am Ann', `/start@shop_bot ${link.body.token}`]);
    const history = (await api('GET', `/v1/contacts/${contact.id}/history`)).body.items;
    expect(history.find((h: { kind: string }) => h.kind === 'merge').data.reason).toBe('link');
  });

  it('tells subscribers the whole story of a new client following a link: created, merged, linked, switched', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'telegram');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram' })).body;
    const arrival = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: link.token });
    expect(arrival.body).toMatchObject({ contact_id: contact.id, created: false, linked: { status: 'completed' } });
    expect(arrival.body.merged).toBeUndefined();
    const all = await server.store.db.selectFrom('outbox').select(['type', 'contact_id', 'data']).where('project_id', '=', projectId).orderBy('id').execute();
    const events = all.filter((e) => e.contact_id !== contact.id || e.type !== 'contact.created');
    expect(events.map((e) => e.type)).toEqual(['contact.created', 'contact.merged', 'identity.linked', 'switch_to_telegram']);
    expect(events[0].contact_id).toBe(events[1].data.from_contact_id);
    expect(events[1].contact_id).toBe(contact.id);
  });

  it('a repeat by the same identity is a no-op; another identity is refused and keeps its own contact', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'telegram');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram' })).body;
    const first = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: link.token });
    expect(first.body.linked).toMatchObject({ status: 'completed' });
    const repeat = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: link.token });
    expect(repeat.body).toMatchObject({ contact_id: contact.id, errors: [], actions: [] });
    expect(repeat.body.linked).toBeUndefined();
    expect(await outbox(projectId, 'switch_to_telegram')).toHaveLength(1);

    const other = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'mallory', payload: link.token });
    expect(other.body.contact_id).not.toBe(contact.id);
    expect(other.body.errors).toEqual([expect.objectContaining({ code: 'link_used' })]);
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.identities).toHaveLength(1);
  });

  it('refuses an expired link and an unknown token, changing nothing', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'telegram');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram' })).body;
    await server.store.db.updateTable('merge_links').set({ expires_at: new Date(Date.now() - 1000) }).where('project_id', '=', projectId).execute();
    const late = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: link.token });
    expect(late.body.errors).toEqual([expect.objectContaining({ code: 'link_expired' })]);
    expect(late.body.contact_id).not.toBe(contact.id);
    const forged = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: 'm-' + 'A'.repeat(32) });
    expect(forged.body.errors).toEqual([expect.objectContaining({ code: 'link_not_found' })]);
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.identities).toEqual([]);
  });

  it('expires links after the project\'s link_ttl_s', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    await connectBot(api, 'vk', 'club1');
    await api('PUT', '/v1/settings', { link_ttl_s: 600 });
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'vk' })).body;
    expect(new Date(link.expires_at).getTime() - Date.now()).toBeGreaterThan(590_000);
    expect(new Date(link.expires_at).getTime() - Date.now()).toBeLessThan(610_000);
  });

  it('a new code replaces the contact\'s previous one: the old code stops working', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'whatsapp', '+15550783881');
    const old = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'whatsapp' })).body;
    const fresh = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'whatsapp' })).body;
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.variables.text_to_merge_contact).toBe(fresh.code);
    const stale = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '79001234567', text: `my code ${old.code}` });
    expect(stale.body.errors).toEqual([expect.objectContaining({ code: 'code_replaced' })]);
    const good = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '79001234567', text: `my code is ${fresh.code}, thanks` });
    expect(good.body).toMatchObject({ contact_id: contact.id, errors: [], linked: { status: 'completed' } });
  });

  it('ignores codes from a client who sent more than 10 wrong ones in the last hour, even a right one', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'line', 'shop');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'line' })).body;
    for (let i = 0; i < 10; i++) {
      const wrong = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'guesser', text: `cli-22222-2222${'3456789ABC'[i]}` });
      expect(wrong.body.errors).toEqual([expect.objectContaining({ code: 'code_not_found' })]);
    }
    const right = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'guesser', text: link.code });
    expect(right.body.errors).toEqual([expect.objectContaining({ code: 'code_rate_limited' })]);
    expect(right.body.contact_id).not.toBe(contact.id);
    await server.store.db.updateTable('merge_code_failures').set({ failed_at: new Date(Date.now() - 3_700_000) }).where('project_id', '=', projectId).execute();
    const anHourLater = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'guesser', text: link.code });
    expect(anHourLater.body).toMatchObject({ contact_id: contact.id, errors: [] });
  });

  it('refuses a link brought to another bot of the same channel', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    const first = await connectBot(api, 'telegram', 'one_bot');
    const second = await connectBot(api, 'telegram', 'two_bot');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram' })).body;
    expect(link.bot_id).toBe(first.id);
    const wrongBot = await api('POST', '/v1/inbound', { bot_id: second.id, external_user_id: 'ann', payload: link.token });
    expect(wrongBot.body.errors).toEqual([expect.objectContaining({ code: 'link_for_other_bot' })]);
    const chosen = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram', bot_id: second.id })).body;
    expect(chosen.url).toMatch(/^https:\/\/t\.me\/two_bot\?start=/);
  });

  it('links exactly one of two identities bringing the same token back at once', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'telegram');
    for (let round = 0; round < 3; round++) {
      const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram' })).body;
      const answers = await Promise.all(['a', 'b'].map((who) => api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: `${who}${round}`, payload: link.token })));
      expect(answers.map((a) => a.status)).toEqual([200, 200]);
      expect(answers.filter((a) => a.body.linked?.status === 'completed')).toHaveLength(1);
      expect(answers.filter((a) => a.body.errors[0]?.code === 'link_used')).toHaveLength(1);
    }
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.identities).toHaveLength(3);
  });
});

describe('manual merge mode for links (docs/merging.md)', () => {
  it('makes a suggestion instead of merging; approval runs the merge and completes the link', async () => {
    const { api, projectId } = await server.project();
    await api('PUT', '/v1/settings', { merge_mode: 'manual' });
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'telegram');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram', tag: 'hello again' })).body;
    const arrival = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: link.token });
    expect(arrival.body).toMatchObject({ created: true, linked: { status: 'suggested', contact_id: contact.id }, actions: [] });
    expect(arrival.body.contact_id).not.toBe(contact.id);
    expect(await outbox(projectId, 'switch_to_telegram')).toEqual([]);

    const pending = (await api('GET', '/v1/merge-suggestions?status=pending')).body.items;
    expect(pending).toEqual([expect.objectContaining({ kind: 'link', reason: 'link', from_contact_id: arrival.body.contact_id, to_contact_id: contact.id })]);
    const repeat = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: link.token });
    expect(repeat.body.errors).toEqual([]);
    expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toHaveLength(1);

    const approved = await api('POST', `/v1/merge-suggestions/${pending[0].id}/approve`, { actor: 'operator Kim' });
    expect(approved.status).toBe(200);
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.identities).toEqual([expect.objectContaining({ id: arrival.body.identity_id })]);
    expect(await outbox(projectId, 'switch_to_telegram')).toEqual([expect.objectContaining({ data: expect.objectContaining({ tag: 'hello again', contact_id: contact.id }) })]);
    const kinds = (await api('GET', `/v1/contacts/${contact.id}/history`)).body.items.map((h: { kind: string }) => h.kind);
    expect(kinds).toEqual(expect.arrayContaining(['link', 'merge', 'merge_suggested']));
  });

  it('rejection leaves both contacts and the link unfinished', async () => {
    const { api, projectId } = await server.project();
    await api('PUT', '/v1/settings', { merge_mode: 'manual' });
    const contact = await knownClient(api);
    const bot = await connectBot(api, 'telegram');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram' })).body;
    const arrival = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'ann', payload: link.token });
    await api('POST', `/v1/merge-suggestions/${arrival.body.linked.suggestion_id}/reject`, {});
    expect((await api('GET', `/v1/contacts/${arrival.body.contact_id}`)).body.state).toBe('active');
    expect(await outbox(projectId, 'switch_to_telegram')).toEqual([]);
  });
});

describe('making merge links (docs/api.md)', () => {
  it('refuses what cannot be linked with a clear 4xx', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    const noBot = await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'viber' });
    expect(noBot.status).toBe(422);
    expect(noBot.body.error).toMatchObject({ code: 'no_bot_for_channel', message: expect.stringContaining('POST /v1/bots') });
    expect((await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'email' })).body.error.code).toBe('channel_not_linkable');
    expect((await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'nope' })).body.error.code).toBe('unknown_channel');
    const tg = await connectBot(api, 'telegram');
    expect((await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'vk', bot_id: tg.id })).body.error.code).toBe('bot_channel_mismatch');
    expect((await api('POST', '/v1/contacts/00000000-0000-7000-8000-000000000000/merge-link', { channel: 'telegram' })).status).toBe(404);
  });

  it('never stores a token or code in the clear', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    await connectBot(api, 'instagram', 'shop');
    const link = (await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 10 })).body;
    const rows = await server.store.db.selectFrom('merge_links').selectAll().where('project_id', '=', projectId).execute();
    expect(JSON.stringify(rows)).not.toContain(link.token);
    expect(JSON.stringify(rows)).not.toContain(link.code);
  });
});

describe('API description of links', () => {
  it('documents the link routes in the OpenAPI document', async () => {
    const doc: any = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/contacts/{id}/merge-link', '/v1/bots/{id}/invite-link', '/v1/conversations/{id}/invite']));
    expect(doc.paths['/v1/contacts/{id}/merge-link'].post.requestBody.content['application/json'].schema.required).toEqual(['channel']);
  });
});
