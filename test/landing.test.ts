import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMessengerBot, fixture, postRaw, SECRETS, SIGN, type Messenger, type WebhookBot } from './helpers/messengers.js';
import { connectBot, startServer, type Api, type TestServer } from './helpers/server.js';

// docs/links.md "One link for every messenger": one link to a page with a button per connected messenger; the
// button the client picks makes that messenger's merge link, which completes like any merge link.

const PUBLIC_URL = 'https://crm.example.com';
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ publicUrl: PUBLIC_URL });
});
afterAll(() => server.close());

interface Page {
  status: number;
  contentType: string | null;
  html: string;
  bytes: number;
  location: string | null;
}

/** What a browser gets for a path of the page (no API key, redirects not followed). */
async function open(path: string): Promise<Page> {
  const response = await fetch(server.url + path, { redirect: 'manual' });
  const buffer = Buffer.from(await response.arrayBuffer());
  return { status: response.status, contentType: response.headers.get('content-type'), html: buffer.toString('utf8'), bytes: buffer.length, location: response.headers.get('location') };
}

/** The page path of a landing link's URL. */
const pathOf = (url: string) => url.slice(PUBLIC_URL.length);
/** The buttons' targets, resolved against the page's address as a browser does (the page links relatively). */
const hrefs = (html: string, page = '/l/x') => [...html.matchAll(/<a class="button"[^>]* href="([^"]+)"/g)].map((m) => {
  const url = new URL(m[1], `${PUBLIC_URL}${page}`);
  return url.origin === PUBLIC_URL ? url.pathname : url.href;
});

async function knownClient(api: Api) {
  return (await api('POST', '/v1/contacts', { name: 'Ann', email: 'ann@example.com' })).body as { id: string };
}

function deliverWith(messenger: Messenger, bot: WebhookBot, name: string, replace: [RegExp | string, string]) {
  const body = fixture(messenger, name).replace(replace[0], replace[1]);
  return postRaw(server.url + bot.webhook_path, body, SIGN[messenger](body, SECRETS[messenger]));
}

async function events(projectId: string, type: string) {
  return server.store.db.selectFrom('outbox').select(['contact_id', 'data']).where('project_id', '=', projectId).where('type', '=', type).execute();
}

async function mergeLinks(projectId: string) {
  return server.store.db.selectFrom('merge_links').select(['channel', 'bot_id', 'expires_at']).where('project_id', '=', projectId).execute();
}

describe('the "choose your messenger" page (docs/links.md)', () => {
  it('is one short link whose page names the project and offers each connected messenger in the order they were connected', async () => {
    const { api, projectId } = await server.project('Flower Shop');
    const contact = await knownClient(api);
    await connectMessengerBot(api, 'telegram');
    await connectMessengerBot(api, 'whatsapp', { handle: '+1 555 078 3881' });
    await connectMessengerBot(api, 'vk');

    const before = Date.now();
    const link = await api('POST', `/v1/contacts/${contact.id}/landing-link`, { tag: 'Welcome!' });
    expect(link.status).toBe(201);
    expect(link.body.url).toMatch(/^https:\/\/crm\.example\.com\/l\/[A-Za-z0-9_-]{44}$/);
    expect(link.body.channels).toEqual(['telegram', 'whatsapp', 'vk']);
    expect(new Date(link.body.expires_at).getTime() - before).toBeGreaterThan(7 * 24 * 3600 * 1000 - 60_000);

    const page = await open(pathOf(link.body.url));
    expect(page.status).toBe(200);
    expect(page.contentType).toBe('text/html; charset=utf-8');
    expect(page.html).toContain('Flower Shop');
    expect(page.html).toContain('Choose your messenger');
    const path = pathOf(link.body.url);
    expect(hrefs(page.html, path)).toEqual([`${path}/telegram`, `${path}/whatsapp`, `${path}/vk`]);
    // the QR code is the page's own public address
    const qr = (await QRCode.toString(link.body.url, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })).replace(/^<\?xml[^>]*>/, '');
    expect(page.html).toContain(qr);
    expect(page.html).not.toContain('<script');
    expect(page.bytes).toBeLessThan(30 * 1024);
    // a trailing slash leads to the same page
    const slashed = await open(`${path}/`);
    expect([slashed.status, new URL(slashed.location!, `${PUBLIC_URL}${path}/`).pathname]).toEqual([308, path]);
    // opening the page issues nothing: codes are made only for the messenger the client picks
    expect(await mergeLinks(projectId)).toEqual([]);
  });

  it('offers only the messengers asked for, in that order, and links a channel to the bot group names by its handle', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    await connectBot(api, 'telegram', 'shop_bot');
    const testbot = await connectBot(api, 'telegram', 'testbot');
    await connectBot(api, 'vk', 'shop_group');
    await connectBot(api, 'viber', 'shop_viber');

    const link = await api('POST', `/v1/contacts/${contact.id}/landing-link`, { channels: ['vk', 1], group: 'testbot' });
    expect(link.status).toBe(201);
    expect(link.body.channels).toEqual(['vk', 'telegram']);
    const path = pathOf(link.body.url);
    expect(hrefs((await open(path)).html, path)).toEqual([`${path}/vk`, `${path}/telegram`]);

    const click = await open(`${path}/telegram`);
    expect(click.status).toBe(303);
    expect(click.location).toMatch(/^https:\/\/t\.me\/testbot\?start=m-[\w-]{32}$/);
    expect((await open(`${path}/vk`)).location).toMatch(/^https:\/\/vk\.me\/shop_group\?ref=m-[\w-]{32}$/);
    const notOffered = await open(`${path}/viber`);
    expect(notOffered.status).toBe(404);
    expect(notOffered.contentType).toContain('text/html');

    const merge = await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram', group: '@TestBot' });
    expect(merge.body.bot_id).toBe(testbot.id);
    const unknown = await api('POST', `/v1/contacts/${contact.id}/merge-link`, { channel: 'telegram', group: 'nobot' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('bot_not_found');
  });

  it('completes by the Telegram webhook: the client joins the contact, gets the tag, and the page then says it was used', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const telegram = await connectMessengerBot(api, 'telegram');
    await connectMessengerBot(api, 'whatsapp', { handle: '+1 555 078 3881' });
    const path = pathOf((await api('POST', `/v1/contacts/${contact.id}/landing-link`, { tag: 'Welcome to Telegram!' })).body.url);

    // a link checker's HEAD issues nothing
    expect((await fetch(`${server.url}${path}/telegram`, { method: 'HEAD', redirect: 'manual' })).status).toBe(200);
    expect(await mergeLinks(projectId)).toEqual([]);
    const click = await open(`${path}/telegram`);
    expect(click.status).toBe(303);
    const token = new URL(click.location!).searchParams.get('start')!;
    // a second click answers the same link; only the chosen messenger has a merge link
    expect((await open(`${path}/telegram`)).location).toBe(click.location);
    expect((await mergeLinks(projectId)).map((l) => l.channel)).toEqual(['telegram']);

    expect((await deliverWith('telegram', telegram, 'message-start', [/\/start \w+/, `/start ${token}`])).status).toBe(200);
    const card = (await api('GET', `/v1/contacts/${contact.id}`)).body;
    expect(card.identities).toEqual([expect.objectContaining({ channel: 'telegram', bot_id: telegram.id })]);
    expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(1);
    expect(await events(projectId, 'switch_to_telegram')).toEqual([
      expect.objectContaining({ contact_id: contact.id, data: expect.objectContaining({ tag: 'Welcome to Telegram!', identity_id: card.identities[0].id }) }),
    ]);

    const used = await open(path);
    expect(used.status).toBe(410);
    expect(used.contentType).toContain('text/html');
    expect(used.html).toContain('already used');
    expect((await open(`${path}/whatsapp`)).status).toBe(410);
  });

  it('completes by the WhatsApp webhook: the page shows the message to send, pre-filled in the wa.me link', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    await connectMessengerBot(api, 'telegram');
    const whatsapp = await connectMessengerBot(api, 'whatsapp', { handle: '+1 555 078 3881' });
    const path = pathOf((await api('POST', `/v1/contacts/${contact.id}/landing-link`, {})).body.url);

    const click = await open(`${path}/whatsapp`);
    expect(click.status).toBe(200);
    const code = /cli-[2-9A-Z]{5}-[2-9A-Z]{5}/.exec(click.html)![0];
    expect(click.html).toContain('send this message');
    expect(hrefs(click.html)).toEqual([`https://wa.me/15550783881?text=${code}`]);
    expect((await open(`${path}/whatsapp`)).html).toContain(code);
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.variables).toEqual({ text_to_merge_contact: code });
    const made = await mergeLinks(projectId);
    expect(made.map((l) => l.channel)).toEqual(['whatsapp']);

    expect((await deliverWith('whatsapp', whatsapp, 'message-code', ['cli-7KQ3-M9XT', code])).status).toBe(200);
    const card = (await api('GET', `/v1/contacts/${contact.id}`)).body;
    expect(card.identities).toEqual([expect.objectContaining({ channel: 'whatsapp', bot_id: whatsapp.id })]);
    expect(await events(projectId, 'switch_to_whatsapp')).toHaveLength(1);
    expect(await events(projectId, 'identity.linked')).toHaveLength(1);
  });

  it('in manual mode the arrival waits for an operator as a link suggestion', async () => {
    const { api } = await server.project();
    const contact = await knownClient(api);
    const telegram = await connectMessengerBot(api, 'telegram');
    await api('PUT', '/v1/settings', { merge_mode: 'manual' });
    const path = pathOf((await api('POST', `/v1/contacts/${contact.id}/landing-link`, {})).body.url);
    const token = new URL((await open(`${path}/telegram`)).location!).searchParams.get('start')!;

    expect((await deliverWith('telegram', telegram, 'message-start', [/\/start \w+/, `/start ${token}`])).status).toBe(200);
    const suggestions = (await api('GET', '/v1/merge-suggestions')).body.items;
    expect(suggestions).toEqual([expect.objectContaining({ kind: 'link', to_contact_id: contact.id })]);
    expect((await api('GET', `/v1/contacts/${contact.id}`)).body.identities).toEqual([]);
  });

  it('follows its contact into the contact it was merged into, and disappears when the person is erased', async () => {
    const { api, projectId } = await server.project();
    const ann = await knownClient(api);
    const survivor = (await api('POST', '/v1/contacts', { name: 'Ann B.' })).body;
    const telegram = await connectMessengerBot(api, 'telegram');
    const path = pathOf((await api('POST', `/v1/contacts/${ann.id}/landing-link`, {})).body.url);
    expect((await api('POST', '/v1/contacts/merge', { from_contact_id: ann.id, to_contact_id: survivor.id })).status).toBe(200);

    const token = new URL((await open(`${path}/telegram`)).location!).searchParams.get('start')!;
    expect((await deliverWith('telegram', telegram, 'message-start', [/\/start \w+/, `/start ${token}`])).status).toBe(200);
    expect((await api('GET', `/v1/contacts/${survivor.id}`)).body.identities).toEqual([expect.objectContaining({ channel: 'telegram' })]);

    expect((await api('DELETE', `/v1/contacts/${survivor.id}?erase=true`)).status).toBe(200);
    expect(await server.store.db.selectFrom('landing_links').select('id').where('project_id', '=', projectId).execute()).toEqual([]);
    expect((await open(path)).status).toBe(404);
  });

  it('lets an operator name the bot of an invite from a chat by its handle (group)', async () => {
    const { api } = await server.project();
    const shop = await connectBot(api, 'telegram', 'shop_bot');
    await connectBot(api, 'telegram', 'testbot');
    const chat = (await api('POST', '/v1/inbound', { bot_id: shop.id, external_user_id: 'u1', text: 'hi' })).body;
    const invite = await api('POST', `/v1/conversations/${chat.conversation_id}/invite`, { channel: 'telegram', group: 'testbot' });
    expect(invite.status).toBe(201);
    expect(invite.body.url).toMatch(/^https:\/\/t\.me\/testbot\?start=m-/);
    const both = await api('POST', `/v1/conversations/${chat.conversation_id}/invite`, { channel: 'telegram', group: 'testbot', bot_id: shop.id });
    expect([both.status, both.body.error.code]).toEqual([400, 'invalid_request']);
  });

  it('says in plain words that an expired link expired, and makes no merge link for it', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    await connectMessengerBot(api, 'telegram');
    const link = (await api('POST', `/v1/contacts/${contact.id}/landing-link`, {})).body;
    const path = pathOf(link.url);
    // the page and its merge links expire together
    const click = await open(`${path}/telegram`);
    expect((await mergeLinks(projectId))[0].expires_at.toISOString()).toBe(new Date(link.expires_at).toISOString());
    expect(click.status).toBe(303);

    await server.store.db.updateTable('landing_links').set({ expires_at: new Date(Date.now() - 1000) }).where('project_id', '=', projectId).execute();
    const page = await open(path);
    expect(page.status).toBe(410);
    expect(page.contentType).toContain('text/html');
    expect(page.html).toContain('This link has expired');
    expect((await open(`${path}/telegram`)).status).toBe(410);
    expect(await mergeLinks(projectId)).toHaveLength(1);
  });

  it('answers an unknown link with a 404 page, not JSON', async () => {
    for (const path of ['/l/AZJiVnhFd4C5ZZHzHaNWbQAAAAAAAAAAAAAAAAAAAAAA', '/l/not-a-token', '/l/AZJiVnhFd4C5ZZHzHaNWbQAAAAAAAAAAAAAAAAAAAAAA/telegram', '/l/', '/l/a/b/c']) {
      const page = await open(path);
      expect(page.status).toBe(404);
      expect(page.contentType).toBe('text/html; charset=utf-8');
      expect(page.html).toContain('This link does not exist');
    }
  });

  it('refuses a link it cannot make, saying what to fix, and makes nothing', async () => {
    const { api, projectId } = await server.project();
    const contact = await knownClient(api);
    const noBots = await api('POST', `/v1/contacts/${contact.id}/landing-link`, {});
    expect([noBots.status, noBots.body.error.code]).toEqual([422, 'no_bot_for_channel']);
    await connectBot(api, 'telegram');
    const viber = await api('POST', `/v1/contacts/${contact.id}/landing-link`, { channels: ['telegram', 'viber'] });
    expect([viber.status, viber.body.error.code]).toEqual([422, 'no_bot_for_channel']);
    expect(viber.body.error.message).toContain('viber');
    const email = await api('POST', `/v1/contacts/${contact.id}/landing-link`, { channels: ['email'] });
    expect([email.status, email.body.error.code]).toEqual([422, 'channel_not_linkable']);
    const missing = await api('POST', '/v1/contacts/0193a000-0000-7000-8000-000000000000/landing-link', {});
    expect([missing.status, missing.body.error.code]).toEqual([404, 'contact_not_found']);
    expect(await server.store.db.selectFrom('landing_links').select('id').where('project_id', '=', projectId).execute()).toEqual([]);
  });
});

describe('a server without a public address', () => {
  it('refuses landing links with 409 public_url_not_configured, naming the setting', async () => {
    const bare = await startServer();
    try {
      const { api } = await bare.project();
      const contact = await knownClient(api);
      await connectBot(api, 'telegram');
      const answer = await api('POST', `/v1/contacts/${contact.id}/landing-link`, {});
      expect([answer.status, answer.body.error.code]).toEqual([409, 'public_url_not_configured']);
      expect(answer.body.error.message).toContain('OMNIMERGE_PUBLIC_URL');
    } finally {
      await bare.close();
    }
  });
});
