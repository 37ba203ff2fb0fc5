import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

// GET /v1/contacts as the operator's list (docs/api.md): messengers, last message, activity, filters, sort.

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

const ids = (page: { items: Array<{ id: string }> }) => page.items.map((c) => c.id);

describe('the contacts list', () => {
  it('carries each contact’s messengers, last message, last activity and the channel to answer in', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
    const dana = (await api('POST', '/v1/inbound', { bot_id: whatsapp.id, external_user_id: '491609999999', text: 'Hello on WhatsApp', profile: { name: 'Dana WA' } })).body;
    const tg = (await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: '501', text: 'and on Telegram', profile: { username: 'dana' } })).body;
    await api('POST', '/v1/contacts/merge', { from_contact_id: tg.contact_id, to_contact_id: dana.contact_id });
    await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: '501', attachments: [{ type: 'photo', url: 'https://cdn.example/p.jpg' }] });
    const quiet = (await api('POST', '/v1/contacts', { name: 'Quiet', tags: ['vip'] })).body;

    const list = (await api('GET', '/v1/contacts')).body;
    expect(ids(list)).toEqual([quiet.id, dana.contact_id]);
    const item = list.items[1];
    expect(item.channels.sort()).toEqual(['telegram', 'whatsapp']);
    expect(item.messenger_name).toBe('Dana WA');
    expect(item.last_message).toMatchObject({ text: null, direction: 'in', channel: 'telegram', attachments: ['photo'] });
    expect(Math.abs(Date.parse(item.last_activity_at) - Date.parse(item.last_message.at))).toBeLessThan(5_000);
    expect(item.recommended_channel).toBe('whatsapp');
    expect(item.window_open).toBe(true);
    expect(list.items[0]).toMatchObject({ channels: [], last_message: null, last_activity_at: null, recommended_channel: null, window_open: false });
  });

  it('filters by channel, tag and open window, and sorts by last activity across pages', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
    const wa = (await api('POST', '/v1/inbound', { bot_id: whatsapp.id, external_user_id: '491601111111', text: 'first' })).body;
    const tg = (await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: '7', text: 'second' })).body;
    const none = (await api('POST', '/v1/contacts', { name: 'No messages', tags: ['vip'] })).body;
    await api('PATCH', `/v1/contacts/${wa.contact_id}`, { tags: ['vip'] });
    await api('POST', '/v1/inbound', { bot_id: whatsapp.id, external_user_id: '491601111111', text: 'latest' });

    expect(ids((await api('GET', '/v1/contacts?channel=whatsapp')).body)).toEqual([wa.contact_id]);
    expect(ids((await api('GET', '/v1/contacts?tag=vip')).body).sort()).toEqual([wa.contact_id, none.id].sort());
    expect(ids((await api('GET', '/v1/contacts?window=open')).body).sort()).toEqual([wa.contact_id, tg.contact_id].sort());
    expect(ids((await api('GET', '/v1/contacts?sort=last_activity')).body)).toEqual([wa.contact_id, tg.contact_id, none.id]);

    const seen: string[] = [];
    let cursor = '';
    do {
      const page = (await api('GET', `/v1/contacts?sort=last_activity&limit=1${cursor ? `&cursor=${cursor}` : ''}`)).body;
      seen.push(...ids(page));
      cursor = page.next_cursor ?? '';
    } while (cursor);
    expect(seen).toEqual([wa.contact_id, tg.contact_id, none.id]);

    const bad = await api('GET', '/v1/contacts?channel=pigeon');
    expect(bad.status).toBe(400);
    for (const forged of ['nope', `a:----:${wa.contact_id}`, `a:9999-99-99T99:99:99.999999Z:${wa.contact_id}`]) {
      const badCursor = await api('GET', `/v1/contacts?sort=last_activity&cursor=${Buffer.from(forged).toString('base64url')}`);
      expect(badCursor.status, forged).toBe(400);
      expect(badCursor.body.error.code).toBe('invalid_cursor');
    }
  });

  it('reads a page in the same number of statements whatever it holds', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const count = async () => {
      const before = server.queries();
      expect((await api('GET', '/v1/contacts?sort=last_activity&limit=100')).status).toBe(200);
      return server.queries() - before;
    };
    await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'u0', text: 'hi' });
    const few = await count();
    for (let i = 1; i <= 20; i++) await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: `u${i}`, text: `hi ${i}` });
    expect(await count()).toBe(few);
  });
});
