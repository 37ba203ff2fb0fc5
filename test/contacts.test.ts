import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('contacts', () => {
  it('creates a contact with a normalized phone and e-mail, and reads it back as a card', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { default_region: 'RU' });
    const created = await api('POST', '/v1/contacts', {
      name: ' Ivan ',
      phone: '8 (900) 123-45-67',
      email: '  Ivan@Mail.RU ',
      external_id: 'crm-1',
      variables: { account: '555' },
      tags: ['vip', ' vip', 'new'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Ivan',
      phone: '+79001234567',
      email: 'ivan@mail.ru',
      external_id: 'crm-1',
      variables: { account: '555' },
      tags: ['new', 'vip'],
      state: 'active',
      merged_into: null,
      identities: [],
      conversations_count: 0,
      recommended_channel: null,
    });
    const card = await api('GET', `/v1/contacts/${created.body.id}`);
    expect(card.body).toEqual(created.body);
  });

  it('finds a contact by its phone written in any format', async () => {
    const { api } = await server.project();
    await api('PUT', '/v1/settings', { default_region: 'RU' });
    const created = await api('POST', '/v1/contacts', { phone: '+7 900 765 43 21' });
    for (const phone of ['+79007654321', '89007654321', '8 (900) 765-43-21', '7 900 765 43 21', '+7-900-765-43-21']) {
      const found = await api('GET', `/v1/contacts?phone=${encodeURIComponent(phone)}`);
      expect({ phone, ids: found.body.items.map((c: { id: string }) => c.id) }).toEqual({ phone, ids: [created.body.id] });
    }
    const none = await api('GET', `/v1/contacts?phone=${encodeURIComponent('not a phone')}`);
    expect(none.body.items).toEqual([]);
  });

  it('finds contacts by e-mail in any case, by external id, and by name or messenger username', async () => {
    const { api } = await server.project();
    const bot = await connectBot(api);
    const a = await api('POST', '/v1/contacts', { name: 'Maria Lopez', email: 'maria@example.com', external_id: 'A-1' });
    await api('POST', '/v1/contacts', { name: 'Somebody Else', email: 'else@example.com' });
    const viaBot = await api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: '77', profile: { username: 'night_owl' } });
    const ids = async (query: string) => (await api('GET', `/v1/contacts?${query}`)).body.items.map((c: { id: string }) => c.id);
    expect(await ids('email=%20MARIA@Example.com')).toEqual([a.body.id]);
    expect(await ids('external_id=A-1')).toEqual([a.body.id]);
    expect(await ids('q=lopez')).toEqual([a.body.id]);
    expect(await ids('q=owl')).toEqual([viaBot.body.contact_id]);
    expect(await ids('q=100%25')).toEqual([]);
  });

  it('pages through contacts with a cursor, newest first, without repeating or skipping', async () => {
    const { api } = await server.project();
    const made: string[] = [];
    for (let i = 0; i < 7; i++) made.push((await api('POST', '/v1/contacts', { name: `c${i}` })).body.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ id: string }>; next_cursor: string | null } } = await api('GET', `/v1/contacts?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.items.map((c) => c.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toEqual([...made].reverse());
    expect((await api('GET', '/v1/contacts?cursor=garbage')).body.error.code).toBe('invalid_cursor');
    expect((await api('GET', '/v1/contacts?limit=0')).status).toBe(400);
    expect((await api('GET', '/v1/contacts?limit=1000')).status).toBe(400);
  });

  it('changes only the fields given, clears a field with null and replaces tags', async () => {
    const { api } = await server.project();
    const created = await api('POST', '/v1/contacts', { name: 'Old', email: 'old@example.com', phone: '+14155552671', tags: ['a'] });
    const patched = await api('PATCH', `/v1/contacts/${created.body.id}`, { name: 'New', email: null, tags: ['b', 'c'] });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'New', email: null, phone: '+14155552671', tags: ['b', 'c'] });
    expect((await api('GET', '/v1/contacts?email=old@example.com')).body.items).toEqual([]);
  });

  it('refuses bad contact input with a clear 4xx and changes nothing', async () => {
    const { api } = await server.project();
    const created = await api('POST', '/v1/contacts', { name: 'Keep', phone: '+14155552671' });
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/v1/contacts', { phone: '12345' }, 422, 'invalid_phone'],
      ['POST', '/v1/contacts', { email: 'nope' }, 422, 'invalid_email'],
      ['POST', '/v1/contacts', { name: 5 }, 400, 'invalid_request'],
      ['POST', '/v1/contacts', { variables: 'x' }, 400, 'invalid_request'],
      ['POST', '/v1/contacts', { nickname: 'x' }, 400, 'invalid_request'],
      ['POST', '/v1/contacts', '{"name": "x"', 400, 'invalid_json'],
      ['PATCH', `/v1/contacts/${created.body.id}`, { phone: 'abc' }, 422, 'invalid_phone'],
      ['PATCH', '/v1/contacts/0190f0f0-0000-7000-8000-000000000000', { name: 'x' }, 404, 'contact_not_found'],
      ['GET', '/v1/contacts/0190f0f0-0000-7000-8000-000000000000', undefined, 404, 'contact_not_found'],
      ['GET', '/v1/contacts/not-an-id', undefined, 400, 'invalid_request'],
      ['GET', '/v1/contacts/0190f0f0-0000-7000-8000-000000000000/conversations', undefined, 404, 'contact_not_found'],
      ['GET', '/v1/conversations/0190f0f0-0000-7000-8000-000000000000/messages', undefined, 404, 'conversation_not_found'],
    ];
    for (const [method, path, body, status, code] of cases) {
      const answer = await api(method, path, body);
      expect({ method, path, status: answer.status, code: answer.body.error?.code }).toEqual({ method, path, status, code });
    }
    const list = await api('GET', '/v1/contacts');
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ name: 'Keep', phone: '+14155552671' });
  });

  it('lists conversations of a contact and the messages of a conversation, newest or oldest first', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'tg');
    const first = await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'x', text: 'one' });
    await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'x', text: 'two' });
    await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'x', text: 'three' });
    const conversations = await api('GET', `/v1/contacts/${first.body.contact_id}/conversations`);
    expect(conversations.body.items).toEqual([expect.objectContaining({ channel: 'telegram', bot_id: telegram.id, messages_count: 3 })]);
    const newest = await api('GET', `/v1/conversations/${first.body.conversation_id}/messages?order=desc&limit=2`);
    expect(newest.body.items.map((m: { text: string }) => m.text)).toEqual(['three', 'two']);
    const rest = await api('GET', `/v1/conversations/${first.body.conversation_id}/messages?order=desc&limit=2&cursor=${newest.body.next_cursor}`);
    expect(rest.body.items.map((m: { text: string }) => m.text)).toEqual(['one']);
    expect(rest.body.next_cursor).toBeNull();
  });
});

describe('projects and keys', () => {
  it('answers 401 without a key or with an unknown one', async () => {
    const anonymous = await fetch(`${server.url}/v1/contacts`);
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as any).error.code).toBe('unauthorized');
    const wrong = await fetch(`${server.url}/v1/contacts`, { headers: { authorization: 'Bearer om_not_a_key' } });
    expect(wrong.status).toBe(401);
  });

  it("never shows one project's contacts, bots or conversations to another", async () => {
    const shop = await server.project('shop');
    const other = await server.project('other');
    const bot = await connectBot(shop.api);
    const inbound = await shop.api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'secret-client', text: 'hi' });
    expect((await other.api('GET', `/v1/contacts/${inbound.body.contact_id}`)).status).toBe(404);
    expect((await other.api('PATCH', `/v1/contacts/${inbound.body.contact_id}`, { name: 'stolen' })).status).toBe(404);
    expect((await other.api('GET', `/v1/conversations/${inbound.body.conversation_id}/messages`)).status).toBe(404);
    expect((await other.api('GET', '/v1/contacts')).body.items).toEqual([]);
    expect((await other.api('GET', '/v1/bots')).body.items).toEqual([]);
    const foreignBot = await other.api('POST', '/v1/inbound', { bot_id: bot.id, external_user_id: 'x' });
    expect(foreignBot.status).toBe(404);
    expect(foreignBot.body.error.code).toBe('bot_not_found');
  });
});

describe('bots', () => {
  it('connects bots by channel name or seed number and never returns their secrets', async () => {
    const { api } = await server.project();
    const expected: Array<[string | number, string]> = [
      [1, 'telegram'], ['2', 'viber'], [3, 'facebook'], [6, 'whatsapp'], [10, 'instagram'], [0, 'vk'], [8, 'odnoklassniki'],
      ['line', 'line'], ['webchat', 'webchat'], ['email', 'email'], ['sms', 'sms'], ['Telegram', 'telegram'],
    ];
    for (const [channel, name] of expected) {
      // a Telegram token is checked with getMe (telegram-emulator.test.ts): these bots send nothing
      const token = name === 'telegram' ? undefined : 't0ken';
      const bot = await api('POST', '/v1/bots', { channel, handle: `@h_${name}`, secret: 's3cret', token });
      expect(bot.status).toBe(201);
      expect(bot.body).toMatchObject({ channel: name, handle: `h_${name}`, has_secret: true, has_token: token !== undefined });
      expect(JSON.stringify(bot.body)).not.toMatch(/s3cret|t0ken/);
    }
    const list = await api('GET', '/v1/bots');
    expect(list.body.items).toHaveLength(expected.length);
    expect(JSON.stringify(list.body)).not.toMatch(/s3cret|t0ken/);
  });

  it('refuses an unknown channel, naming the ones it knows', async () => {
    const { api } = await server.project();
    for (const channel of ['icq', 4, '99', '']) {
      const answer = await api('POST', '/v1/bots', { channel, handle: 'x' });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
    }
    const icq = await api('POST', '/v1/bots', { channel: 'icq', handle: 'x' });
    expect(icq.body.error).toMatchObject({ code: 'unknown_channel' });
    expect(icq.body.error.message).toContain('telegram (1)');
    expect((await api('POST', '/v1/bots', { channel: 'telegram', handle: '   ' })).status).toBe(400);
    expect((await api('GET', '/v1/bots')).body.items).toEqual([]);
  });
});

describe('settings', () => {
  it('answers defaults, changes only what is given and refuses nonsense', async () => {
    const { api } = await server.project();
    expect((await api('GET', '/v1/settings')).body).toEqual({ merge_mode: 'auto', default_region: null, link_ttl_s: 604800, blocked_values: [], max_shared: 20, likely_threshold: 0.8 });
    const changed = await api('PUT', '/v1/settings', { merge_mode: 'manual', default_region: 'de', blocked_values: ['test@test.com', ' 0000000 ', ''] });
    expect(changed.body).toEqual({ merge_mode: 'manual', default_region: 'DE', link_ttl_s: 604800, blocked_values: ['test@test.com', '0000000'], max_shared: 20, likely_threshold: 0.8 });
    for (const [body, code] of [
      [{ merge_mode: 'sometimes' }, 'invalid_request'],
      [{ default_region: 'XX' }, 'invalid_region'],
      [{ link_ttl_s: 0 }, 'invalid_request'],
      [{ max_shared: -1 }, 'invalid_request'],
      [{ colour: 'red' }, 'invalid_request'],
    ] as const) {
      const answer = await api('PUT', '/v1/settings', body);
      expect({ body, code: answer.body.error?.code }).toEqual({ body, code });
    }
    expect((await api('GET', '/v1/settings')).body).toEqual(changed.body);
  });
});
