import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

// docs/links.md: an invite the operator reads and edits before it goes out (`send: false`).

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe('an invite made without sending', () => {
  it('answers the link, code and message text and sends nothing; the edited text then goes out as a message', async () => {
    const { api, projectId } = await server.project();
    const instagram = await connectBot(api, 'instagram', 'shop');
    await connectBot(api, 'whatsapp', '+1 555 078 3881');
    const chat = (await api('POST', '/v1/inbound', { bot_id: instagram.id, external_user_id: 'ig-ann', text: 'can we talk on WhatsApp?' })).body;

    const invite = await api('POST', `/v1/conversations/${chat.conversation_id}/invite`, { channel: 'whatsapp', send: false });
    expect(invite.status).toBe(201);
    expect(invite.body).toMatchObject({ message: null, url: expect.stringContaining('https://wa.me/'), code: expect.any(String), expires_at: expect.any(String) });
    expect(invite.body.text).toContain(invite.body.url);
    expect(invite.body.text).toContain(invite.body.code);
    const messages = async () => (await api('GET', `/v1/conversations/${chat.conversation_id}/messages`)).body.items.map((m: { text: string }) => m.text);
    expect(await messages()).toEqual(['can we talk on WhatsApp?']);
    const outbound = () => server.store.db.selectFrom('outbox').select('data').where('project_id', '=', projectId).where('type', '=', 'message.outbound').execute();
    expect(await outbound()).toEqual([]);

    const edited = `Hi Ann! ${invite.body.text}`;
    expect((await api('POST', `/v1/conversations/${chat.conversation_id}/messages`, { text: edited })).status).toBe(201);
    expect(await messages()).toContain(edited);
    expect(await outbound()).toHaveLength(1);
  });

  it('still sends at once without send: false, answering the text it sent', async () => {
    const { api } = await server.project();
    const instagram = await connectBot(api, 'instagram', 'shop');
    await connectBot(api, 'telegram', 'shop_bot');
    const chat = (await api('POST', '/v1/inbound', { bot_id: instagram.id, external_user_id: 'ig-bob', text: 'hi' })).body;
    const invite = await api('POST', `/v1/conversations/${chat.conversation_id}/invite`, { channel: 'telegram' });
    expect(invite.status).toBe(201);
    expect(invite.body.message.text).toBe(invite.body.text);
  });
});
