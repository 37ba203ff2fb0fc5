import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, overflowing, PHONE, screenshot, signIn, storedApiKey } from './helpers/browser.js';
import { connectBot } from './helpers/server.js';

// The operator UI in a real browser against a real server, as an operator uses it.
// Each test keeps a screenshot in test-artifacts/.

const ui = browserTests();

describe.skipIf(!ui.enabled)('operator UI in Chromium', () => {
  it('signs in with an API key into an HttpOnly cookie, keeps no key in the page, and says in words when a key is wrong', async () => {
    const { apiKey } = await ui.project();
    await ui.withPage(async (page) => {
      await page.getByLabel('API key').fill('not-a-key');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect.poll(() => page.getByRole('alert').textContent()).toContain('This API key is not known here');
      expect(await page.getByRole('alert').textContent()).not.toMatch(/`|\(unauthorized\)|\(invalid_credentials\)/);

      await signIn(page, apiKey);
      expect(page.url()).not.toContain(apiKey);
      expect(await storedApiKey(page)).toBeNull();
      expect(await page.evaluate('document.cookie')).not.toContain('omnimerge_session');
      await screenshot(page, 'sign-in-contacts');

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByLabel('API key').waitFor();
      await page.goto('/contacts');
      await page.getByLabel('API key').waitFor();
    });
  });

  it('finds a contact by phone and shows its card: fields, related dialogs with window and last message, the recommended channel, notes', async () => {
    const { apiKey, api } = await ui.project();
    const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
    const anna = await clientWrites(api, whatsapp.id, '491512345678', 'Is my order on its way?', { name: 'Anna Petrova' });
    await api('PATCH', `/v1/contacts/${anna.contact_id}`, { phone: '+49 151 2345678', email: 'anna@example.com', tags: ['vip'] });
    await clientWrites(api, whatsapp.id, '491700000001', 'Someone else', { name: 'Boris' });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByLabel('Search by').selectOption('phone');
      await page.getByLabel('Search text').fill('+49 151 234-56-78');
      await page.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('link', { name: /Anna Petrova/ }).click();

      await page.getByRole('heading', { name: 'Anna Petrova' }).waitFor();
      const dialog = page.getByRole('listitem', { name: /WhatsApp .* dialog/ });
      await expect.poll(() => dialog.textContent()).toContain('Is my order on its way?');
      const text = (await dialog.textContent()) ?? '';
      expect(text).toContain('Recommended');
      expect(text).toMatch(/Window open until/);
      expect(await page.locator('.fields').textContent()).toContain('anna@example.com');

      await page.getByLabel('New note').fill('Prefers a call after 5 pm');
      await page.getByRole('button', { name: 'Add note' }).click();
      // the list, not the text box (a controlled textarea holds the same text until the note is stored)
      await page.locator('.list.notes').getByText('Prefers a call after 5 pm').waitFor();
      const notes = await api('GET', `/v1/contacts/${anna.contact_id}/notes`);
      expect(notes.body.items.map((n: { text: string }) => n.text)).toEqual(['Prefers a call after 5 pm']);
      await screenshot(page, 'contact-card-desktop');

      await page.setViewportSize(PHONE);
      expect(await overflowing(page)).toEqual([]);
      await screenshot(page, 'contact-card-375px');
    });
  });

  it('opens a dialog, shows its messages and sends a reply into it', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const client = await clientWrites(api, telegram.id, '777', 'Hello, I need help', { name: 'Carla', username: 'carla' });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${client.contact_id}`);
      await page.getByRole('link', { name: 'Open Telegram @carla dialog' }).click();
      const messages = page.getByRole('list', { name: 'Messages' });
      await expect.poll(() => messages.textContent()).toContain('Hello, I need help');

      await page.getByLabel('Reply').fill('We are on it');
      await page.getByRole('button', { name: 'Send' }).click();
      await expect.poll(() => messages.textContent()).toContain('We are on it');
      const sent = await api('GET', `/v1/conversations/${client.conversation_id}/messages`);
      expect(sent.body.items.map((m: { text: string }) => m.text)).toEqual(['Hello, I need help', 'We are on it']);
      await screenshot(page, 'conversation');
    });
  });

  it('invites the client from a dialog to WhatsApp: shows the link with a QR code and a copy button, and puts it in the dialog', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    await connectBot(api, 'whatsapp', '+1 415 555 2671');
    const client = await clientWrites(api, telegram.id, '778', 'Can we move to WhatsApp?', { name: 'Ines', username: 'ines' });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${client.contact_id}`);
      await page.getByRole('link', { name: 'Open Telegram @ines dialog' }).click();
      await page.getByRole('group', { name: 'Invite to another messenger' }).getByRole('button', { name: 'Invite to WhatsApp' }).click();
      const invite = page.getByRole('region', { name: 'WhatsApp invite' });
      await invite.waitFor();
      const url = await invite.getByLabel('Link').inputValue();
      expect(url).toMatch(/^https:\/\/wa\.me\/14155552671\?text=cli-[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
      await expect.poll(() => invite.locator('img').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
      await invite.getByRole('button', { name: 'Copy link' }).waitFor();
      await invite.getByRole('button', { name: 'Send' }).click();
      const messages = page.getByRole('list', { name: 'Messages' });
      await expect.poll(() => messages.textContent()).toContain(url);
      const stored = await api('GET', `/v1/conversations/${client.conversation_id}/messages`);
      expect(stored.body.items.at(-1)).toMatchObject({ direction: 'out', text: expect.stringContaining(url) });
      await screenshot(page, 'invite-whatsapp');
    });
  });

  it('fits every screen into 375 px without sideways scrolling', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'a_rather_long_bot_username_for_narrow_screens_bot');
    const client = await clientWrites(api, telegram.id, '123456789012345', 'A long first message that has to wrap on a narrow phone screen without a sideways scroll bar', {
      name: 'Maximilian Alexander von Habsburg-Lothringen',
    });
    await api('PATCH', `/v1/contacts/${client.contact_id}`, { email: 'maximilian.alexander.habsburg@a-long-company-domain.example.com', tags: ['vip', 'wholesale', 'returning'] });

    await ui.withPage(async (page) => {
      await page.setViewportSize(PHONE);
      await signIn(page, apiKey);
      const screens = {
        contacts: '/contacts',
        card: `/contacts/${client.contact_id}`,
        conversation: `/contacts/${client.contact_id}/conversations/${client.conversation_id}`,
        merge: `/merge?a=${client.contact_id}`,
        suggestions: '/suggestions',
        settings: '/settings',
      };
      for (const [name, path] of Object.entries(screens)) {
        await page.goto(path);
        await page.getByRole('heading').first().waitFor();
        await page.waitForLoadState('networkidle');
        expect(await overflowing(page), name).toEqual([]);
        await screenshot(page, `375px-${name}`);
      }
    });
  });

  it('changes the settings, shows the API\'s words when a value is refused, and adds and deletes a merge rule', async () => {
    const { apiKey, api } = await ui.project();
    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByLabel('Link lifetime in days').waitFor();

      await page.getByLabel('Link lifetime in days').fill('0.0001'); // 9 seconds: under the API's minute
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('link_ttl_s');

      await page.getByLabel(/Manual: each becomes a suggestion/).check();
      await page.getByLabel('Default region').fill('Germany');
      await page.getByLabel('Link lifetime in days').fill('1');
      await page.getByLabel('Blocked values, one a line').fill('test@test.com\n0000000');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByText('Settings saved.').waitFor();
      expect(await page.getByText('Merge links and codes stay valid 1 day.').count()).toBe(1);
      const settings = await api('GET', '/v1/settings');
      expect(settings.body).toMatchObject({ merge_mode: 'manual', default_region: 'DE', link_ttl_s: 86400, blocked_values: ['test@test.com', '0000000'] });

      await page.getByRole('checkbox', { name: 'Phone' }).check();
      await page.getByRole('checkbox', { name: 'E-mail' }).check();
      await page.getByRole('button', { name: 'Add rule' }).click();
      await page.getByRole('button', { name: 'Delete rule: same phone and same e-mail' }).waitFor();
      expect((await api('GET', '/v1/merge-rules')).body.items.map((r: { fields: string[] }) => r.fields)).toEqual([['phone', 'email']]);
      await screenshot(page, 'settings');
      await page.getByRole('button', { name: 'Delete rule: same phone and same e-mail' }).click();
      await page.getByRole('button', { name: 'Yes, delete it' }).click();
      await expect.poll(async () => (await api('GET', '/v1/merge-rules')).body.items).toEqual([]);
    });
  });
});
