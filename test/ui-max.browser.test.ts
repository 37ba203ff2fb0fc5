import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, screenshot, signIn } from './helpers/browser.js';
import { connectBot } from './helpers/server.js';

// MAX in the operator UI, in a real browser against a real server: an invite to MAX from a dialog
// (a max.ru/<bot>?start=<token> link), and the MAX dialog on the card with its badge and name.

const ui = browserTests();

describe.skipIf(!ui.enabled)('MAX in the operator UI', () => {
  it('invites a client from a Telegram dialog to MAX, and shows their MAX dialog on the card once they start the bot', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const max = await connectBot(api, 'max', 'shop_max_bot');
    const client = await clientWrites(api, telegram.id, '781', 'Можно перейти в MAX?', { name: 'Irina', username: 'irina' });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${client.contact_id}`);
      await page.getByRole('link', { name: 'Open Telegram @irina dialog' }).click();
      await page.getByRole('group', { name: 'Invite to another messenger' }).getByRole('button', { name: 'Invite to MAX' }).click();
      const invite = page.getByRole('region', { name: 'MAX invite' });
      await invite.waitFor();
      const url = await invite.getByLabel('Link').inputValue();
      expect(url).toMatch(/^https:\/\/max\.ru\/shop_max_bot\?start=m-[A-Za-z0-9_-]{32}$/);
      await screenshot(page, 'invite-max');

      // the client follows the link: MAX's bot_started brings the token back
      const token = new URL(url).searchParams.get('start')!;
      const arrived = await api('POST', '/v1/inbound', { bot_id: max.id, external_user_id: '59021045', payload: token, profile: { name: 'Irina', username: 'irina_max' } });
      expect(arrived.body).toMatchObject({ contact_id: client.contact_id, linked: { status: 'completed' } });

      await page.goto(`/contacts/${client.contact_id}`);
      const dialog = page.getByRole('listitem', { name: /MAX .* dialog/ });
      await dialog.waitFor();
      expect(await dialog.locator('.channel-name').first().textContent()).toContain('MAX');
      await screenshot(page, 'card-with-max');
    });
  });
});
