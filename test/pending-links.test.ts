import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

// docs/links.md: a contact's pending merge links and codes, listed and taken back.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("a contact's pending merge links", () => {
  it('lists the links and codes a client may still bring back, with channel, bot and expiry, and not used ones', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    await connectBot(api, 'whatsapp', '+1 555 078 3881');
    const ann = (await api('POST', '/v1/contacts', { name: 'Ann' })).body;
    const tg = (await api('POST', `/v1/contacts/${ann.id}/merge-link`, { channel: 'telegram' })).body;
    const wa = (await api('POST', `/v1/contacts/${ann.id}/merge-link`, { channel: 'whatsapp' })).body;

    const listed = await api('GET', `/v1/contacts/${ann.id}/links`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({ channel: 'whatsapp', has_code: true, has_token: false, expires_at: wa.expires_at }),
      expect.objectContaining({ channel: 'telegram', bot_id: telegram.id, bot_handle: 'shop_bot', has_token: true, expires_at: tg.expires_at }),
    ]);

    // the client uses the Telegram link: it is no longer pending
    await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'tg-ann', text: `/start ${tg.token}` });
    expect((await api('GET', `/v1/contacts/${ann.id}/links`)).body.items.map((l: { channel: string }) => l.channel)).toEqual(['whatsapp']);
  });

  it('takes a link back: a client bringing it later is refused as expired, and a code leaves the contact', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    await connectBot(api, 'whatsapp', '+1 555 078 3881');
    const ann = (await api('POST', '/v1/contacts', { name: 'Ann' })).body;
    const tg = (await api('POST', `/v1/contacts/${ann.id}/merge-link`, { channel: 'telegram' })).body;
    await api('POST', `/v1/contacts/${ann.id}/merge-link`, { channel: 'whatsapp' });
    expect((await api('GET', `/v1/contacts/${ann.id}`)).body.variables).toHaveProperty('text_to_merge_contact');
    const [code, link] = (await api('GET', `/v1/contacts/${ann.id}/links`)).body.items;

    expect((await api('DELETE', `/v1/contacts/${ann.id}/links/${link.id}`)).status).toBe(204);
    expect((await api('DELETE', `/v1/contacts/${ann.id}/links/${code.id}`)).status).toBe(204);
    expect((await api('GET', `/v1/contacts/${ann.id}/links`)).body.items).toEqual([]);
    expect((await api('GET', `/v1/contacts/${ann.id}`)).body.variables).not.toHaveProperty('text_to_merge_contact');

    const late = await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'tg-late', text: `/start ${tg.token}` });
    expect(late.body.contact_id).not.toBe(ann.id);
    expect(JSON.stringify(late.body.errors)).toContain('expired');

    const again = await api('DELETE', `/v1/contacts/${ann.id}/links/${link.id}`);
    expect(again.status).toBe(404);
    expect(again.body.error.message).toContain('no pending merge link');
  });
});
