import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientWrites } from './helpers/browser.js';
import { connectBot, startServer, type TestServer } from './helpers/server.js';

// GET /v1/bots says where each bot's webhook goes and when a client's message last came in through it,
// so an operator sees a webhook that never arrives. The times of all the bots come from one query.

const PUBLIC_URL = 'https://omnimerge.example.com/crm';

let server: TestServer;
beforeAll(async () => {
  server = await startServer({ publicUrl: PUBLIC_URL });
});
afterAll(() => server.close());

describe('a bot’s webhook status', () => {
  it('answers the webhook URL to paste and no last webhook until a client writes, then when the last message came in', async () => {
    const { api } = await server.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const sms = await connectBot(api, 'sms', '+4930123456');

    const before = (await api('GET', '/v1/bots')).body.items;
    expect(before).toEqual([
      expect.objectContaining({ id: telegram.id, webhook_url: `${PUBLIC_URL}/v1/channels/telegram/${telegram.id}`, last_webhook_at: null }),
      expect.objectContaining({ id: sms.id, webhook_url: null, last_webhook_at: null }),
    ]);

    const start = Date.now();
    await clientWrites(api, telegram.id, '100', 'Hi', { name: 'Ann' });
    await clientWrites(api, telegram.id, '200', 'Hello', { name: 'Ben' });
    const after = (await api('GET', '/v1/bots')).body.items;
    const heard = new Date(after.find((b: { id: string }) => b.id === telegram.id).last_webhook_at).getTime();
    expect(heard).toBeGreaterThanOrEqual(start - 1000);
    expect(heard).toBeLessThanOrEqual(Date.now() + 1000);
    expect(after.find((b: { id: string }) => b.id === sms.id).last_webhook_at).toBeNull();

    const renamed = await api('PATCH', `/v1/bots/${telegram.id}`, { name: 'Shop' });
    expect(renamed.body.last_webhook_at).toBe(after.find((b: { id: string }) => b.id === telegram.id).last_webhook_at);
  });

  it('reads the last messages of all the bots with the same number of queries, however many bots there are', async () => {
    const { api } = await server.project();
    const first = await connectBot(api, 'telegram', 'bot_0');
    await clientWrites(api, first.id, '1', 'Hi');
    let count = server.queries();
    await api('GET', '/v1/bots');
    const withOne = server.queries() - count;

    for (let i = 1; i < 6; i++) await clientWrites(api, (await connectBot(api, 'telegram', `bot_${i}`)).id, '1', 'Hi');
    count = server.queries();
    const answer = await api('GET', '/v1/bots');
    expect(answer.body.items.filter((b: { last_webhook_at: string | null }) => b.last_webhook_at !== null)).toHaveLength(6);
    expect(server.queries() - count).toBe(withOne);
  });
});
