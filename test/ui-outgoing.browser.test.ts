import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTests, clientWrites, screenshot, signIn } from './helpers/browser.js';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';

// Outgoing delivery in the console: a reply's delivery state in the dialog, and a retry button on a failed one.

let fake: FakeMessengerApi;
beforeAll(async () => {
  fake = await startMessengerApi();
});
afterAll(async () => {
  await fake.close();
});
const ui = browserTests(() => ({ messengerApiUrls: { telegram: `${fake.url}/telegram` } }));

describe.skipIf(!ui.enabled)('outgoing messages in the operator UI', () => {
  it("shows a refused reply as not delivered with the messenger's reason, and sends it with Retry", async () => {
    const { apiKey, api } = await ui.project();
    const bot = await api('POST', '/v1/bots', { channel: 'telegram', token: '77:retry' });
    const client = await clientWrites(api, bot.body.id, '8801', 'Where is my parcel?', { name: 'Dora', username: 'dora' });
    fake.queue({ status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: chat not found' } });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${client.contact_id}/conversations/${client.conversation_id}`);
      const messages = page.getByRole('list', { name: 'Messages' });
      await expect.poll(() => messages.textContent()).toContain('Where is my parcel?');

      await page.getByLabel('Reply').fill('It left the warehouse today');
      await page.getByRole('button', { name: 'Send' }).click();
      const reply = messages.getByRole('listitem').filter({ hasText: 'It left the warehouse today' });
      await expect.poll(() => reply.textContent(), { timeout: 20_000 }).toContain('not delivered · 400: Bad Request: chat not found');
      await screenshot(page, 'dialog-reply-failed');

      await reply.getByRole('button', { name: 'Retry' }).click();
      await expect.poll(() => reply.textContent(), { timeout: 20_000 }).toMatch(/· sent$/);
      expect(await reply.getByRole('button', { name: 'Retry' }).count()).toBe(0);
      const stored = await api('GET', `/v1/conversations/${client.conversation_id}/messages`);
      expect(stored.body.items.at(-1)).toMatchObject({ text: 'It left the warehouse today', delivery_state: 'sent' });
      const sends = fake.requests.filter((r) => r.path.endsWith('/sendMessage'));
      expect(sends.map((r) => r.json.text)).toEqual(['It left the warehouse today', 'It left the warehouse today']);
    });
  });
});
