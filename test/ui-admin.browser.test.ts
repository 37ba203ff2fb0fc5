import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTests, clientWrites, DESKTOP, PHONE, signIn } from './helpers/browser.js';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';
import { eventually, FAST_DELIVERY, startReceiver, type Receiver } from './helpers/receiver.js';
import { atBothWidths } from './helpers/screens.js';

// The admin pages in a real browser against a real server: messenger accounts, webhook endpoints,
// import with the dedupe, settings; the favicon and the sign-in error. Each screen is looked at on a
// desktop and at 375 px, where it may not scroll sideways nor show an id where a name exists.

const PUBLIC_URL = 'https://omnimerge.example.com';

let messengers: FakeMessengerApi;
let receiver: Receiver;
let receiverSecret = '';

beforeAll(async () => {
  messengers = await startMessengerApi();
  receiver = await startReceiver(() => receiverSecret);
  receiver.mode = 'failing';
});
afterAll(async () => {
  await receiver?.close();
  await messengers?.close();
});

const ui = browserTests(() => ({
  messengerApiUrls: { telegram: `${messengers.url}/telegram`, viber: `${messengers.url}/viber` },
  publicUrl: PUBLIC_URL,
  delivery: FAST_DELIVERY,
}));


describe.skipIf(!ui.enabled)('admin pages in Chromium', () => {
  it('serves a favicon the pages link to, and says a wrong key in plain words without codes or backticks', async () => {
    await ui.project();
    await ui.withPage(async (page) => {
      const icon = await page.request.get('/favicon.ico');
      expect(icon.status()).toBe(200);
      expect(icon.headers()['content-type']).toMatch(/icon/);
      expect((await icon.body()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0])); // an ICO file's signature
      expect(await page.locator('link[rel="icon"]').first().getAttribute('href')).toBe('/favicon.ico');

      await page.getByLabel('API key').fill('not-a-key');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.textContent()).toMatch(/this API key is not known/i);
      const words = (await alert.textContent()) ?? '';
      expect(words).not.toMatch(/`|\(unauthorized\)|omnimerge project create/);
      await atBothWidths(page, 'admin-sign-in-error', []);
    });
  });

  it('connects a Telegram bot with its token alone and a WhatsApp account with the webhook URL and verify token to paste, shows which was heard from, and disconnects after a confirm', async () => {
    const { apiKey, api } = await ui.project();
    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Messengers' }).click();
      await page.getByText('No messenger account is connected yet').waitFor();

      // Telegram: the token alone; the username comes from getMe, the webhook is registered
      await page.getByLabel('Bot token (from @BotFather)').fill('7000001:AAE-token');
      await page.getByRole('button', { name: 'Connect Telegram' }).click();
      await expect.poll(() => page.getByLabel('Connected').textContent()).toContain('Telegram @shop is connected');
      expect(await page.getByLabel('Connected').textContent()).toContain('nothing more to do');
      expect(messengers.requests.map((r) => r.path)).toEqual(['/telegram/bot7000001:AAE-token/getMe', '/telegram/bot7000001:AAE-token/setWebhook']);

      // WhatsApp: the URL and verify token to paste into Meta's settings, the token only this once
      await page.getByRole('combobox', { name: 'Messenger', exact: true }).selectOption('whatsapp');
      await page.getByLabel('WhatsApp number').fill('+4915100000000');
      await page.getByLabel('Phone-number ID').fill('106540352242922');
      await page.getByLabel('Access token').fill('EAAG-access-token');
      await page.getByLabel('Meta app secret').fill('meta-app-secret');
      await page.getByRole('button', { name: 'Connect WhatsApp' }).click();
      const connected = page.getByLabel('Connected');
      await expect.poll(() => connected.textContent()).toContain('WhatsApp +4915100000000 is connected');
      const bots = (await api('GET', '/v1/bots')).body.items as Array<{ id: string; channel: string }>;
      const whatsapp = bots.find((b) => b.channel === 'whatsapp')!;
      const telegram = bots.find((b) => b.channel === 'telegram')!;
      expect(await connected.getByRole('textbox', { name: 'Webhook URL' }).inputValue()).toBe(`${PUBLIC_URL}/v1/channels/whatsapp/${whatsapp.id}`);
      const verifyToken = await connected.getByRole('textbox', { name: 'Verify token' }).inputValue();
      expect(verifyToken).toMatch(/^[A-Za-z0-9_-]{20,}$/);
      const handshake = await page.request.get(`/v1/channels/whatsapp/${whatsapp.id}?hub.mode=subscribe&hub.verify_token=${verifyToken}&hub.challenge=42`);
      expect(await handshake.text()).toBe('42');

      // a client writes to the Telegram bot: its status says so; WhatsApp has not been heard from
      await clientWrites(api, telegram.id, '555', 'Hello', { name: 'Olga' });
      await page.reload();
      const telegramRow = page.getByRole('listitem', { name: 'Telegram @shop' });
      await expect.poll(() => telegramRow.textContent()).toMatch(/Last message received (now|\d+ seconds? ago)/);
      expect(await page.getByRole('listitem', { name: 'WhatsApp +4915100000000' }).textContent()).toContain('No message received yet');
      await atBothWidths(page, 'admin-messengers', [telegram.id, whatsapp.id]);

      await page.getByRole('button', { name: 'Disconnect WhatsApp +4915100000000' }).click();
      await page.getByRole('button', { name: 'Yes, disconnect WhatsApp +4915100000000' }).click();
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('WhatsApp +4915100000000 is disconnected');
      await expect.poll(() => page.getByRole('listitem', { name: 'WhatsApp +4915100000000' }).count()).toBe(0);
      expect((await api('GET', '/v1/bots')).body.items.map((b: { channel: string }) => b.channel)).toEqual(['telegram']);
    });
  });

  it('adds a webhook endpoint showing its secret once, highlights failed deliveries and retries one that then arrives', async () => {
    const { apiKey, api } = await ui.project();
    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Webhooks' }).click();
      await page.getByLabel('URL that receives the events').fill(receiver.url);
      await page.getByLabel('contact created').check();
      await page.getByRole('button', { name: 'Add endpoint' }).click();
      const secretField = page.getByLabel('New endpoint').getByRole('textbox', { name: 'Signing secret' });
      receiverSecret = await secretField.inputValue();
      expect(receiverSecret.length).toBeGreaterThanOrEqual(16);
      const endpoints = (await api('GET', '/v1/webhook-endpoints')).body.items;
      expect(endpoints).toEqual([expect.not.objectContaining({ secret: expect.anything() })]);

      // the receiver fails: the delivery is retried, then given up
      const contact = await api('POST', '/v1/contacts', { name: 'Petra', email: 'petra@example.com' });
      await eventually('the delivery is given up', async () => (await api('GET', `/v1/webhook-endpoints/${endpoints[0].id}/deliveries?status=dead`)).body.items.length === 1);
      const deliveries = page.getByLabel(`Deliveries to ${receiver.url}`);
      await deliveries.getByRole('button', { name: 'Refresh' }).click();
      const failedRow = deliveries.locator('tr.failed');
      await expect.poll(() => failedRow.textContent()).toContain('Failed: gave up');
      expect(await failedRow.textContent()).toContain('HTTP 500');
      expect(await failedRow.locator('td').first().evaluate((cell: unknown) => (globalThis as any).getComputedStyle(cell).backgroundColor)).toBe('rgb(254, 243, 242)'); // the failure's pale red
      await atBothWidths(page, 'admin-webhooks', [endpoints[0].id, contact.body.id]);

      // at 375 px the deliveries table stacks: one card per delivery, each cell named
      await page.setViewportSize(PHONE);
      expect(await failedRow.locator('td').first().evaluate((cell: unknown) => (globalThis as any).getComputedStyle(cell).display)).toBe('grid');
      await page.setViewportSize(DESKTOP);

      receiver.mode = 'up';
      await failedRow.getByRole('button', { name: /^Retry contact\.created/ }).click();
      await expect.poll(() => deliveries.getByRole('status').textContent()).toContain('Sent again: delivered (contact.created)');
      expect(receiver.acknowledged().map((e) => e.type)).toEqual(['contact.created']);
      await deliveries.getByRole('button', { name: 'Delivered' }).click();
      await expect.poll(() => deliveries.locator('tbody tr').count()).toBe(1);
      expect(await deliveries.locator('tr.failed').count()).toBe(0);
    });
  });

  it('imports a CSV with progress and refused lines, shows the duplicates by name in a dry run, then merges them', async () => {
    const { apiKey, api } = await ui.project();
    await api('POST', '/v1/merge-rules', { fields: ['phone'] });
    const csv = ['name,phone,email', 'Anna Petrova,+49 151 12345678,anna@example.com', 'Anna P.,+4915112345678,', 'Boris,not a phone,', 'Carla,,carla@example.com'].join('\n');
    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Import' }).click();
      await page.getByLabel(/Contact file/).setInputFiles({ name: 'customers.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
      // every state the progress line goes through, however briefly it shows
      await page.evaluate(`window.progressSeen = [];
        new MutationObserver(() => document.querySelectorAll('.progress').forEach((e) => window.progressSeen.push(e.textContent)))
          .observe(document.body, { subtree: true, childList: true, characterData: true })`);
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      const result = page.getByLabel('Import result');
      await expect.poll(() => result.getByRole('status').textContent()).toContain('customers.csv: 3 contacts created, 1 row refused');
      const progressSeen = (await page.evaluate('window.progressSeen')) as string[];
      expect(progressSeen.some((text) => /^Uploading: \d+% \(\d+ B of 1\d\d B\)$/.test(text)), progressSeen.join(' | ')).toBe(true);
      expect(await page.locator('.progress').count()).toBe(0); // gone once the answer is in
      const refused = result.locator('table.refused tbody tr');
      expect(await refused.count()).toBe(1);
      expect(await refused.locator('td').first().textContent()).toBe('4');
      expect(await refused.locator('td').nth(1).textContent()).toContain('not a phone');
      expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(3); // nothing merged yet

      await page.getByRole('button', { name: 'Find duplicates (dry run)' }).click();
      const clusters = page.getByRole('list', { name: 'Duplicates found' });
      await expect.poll(() => clusters.textContent()).toContain('Anna P.');
      expect(await clusters.textContent()).toMatch(/Keep Anna (Petrova|P\.) and merge into it:.*same phone: \+4915112345678/);
      const ids = (await api('GET', '/v1/contacts')).body.items.map((c: { id: string }) => c.id);
      expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(3); // a dry run changes nothing
      await atBothWidths(page, 'admin-import', ids);

      await page.getByRole('button', { name: 'Merge 1 contact' }).click();
      await page.getByRole('button', { name: 'Yes, merge them' }).click();
      await expect.poll(() => page.locator('.notice').last().textContent()).toContain('Merged 1 contact in 1 group');
      const left = (await api('GET', '/v1/contacts')).body.items.map((c: { name: string }) => c.name);
      expect(left).toHaveLength(2);
      expect(left).toContain('Carla');
    });
  });

  it('picks the default region by country name (Germany becomes DE, never Georgia), sets the link lifetime in days, and after a new rule offers the dedupe of existing contacts', async () => {
    const { apiKey, api } = await ui.project();
    const a = await api('POST', '/v1/contacts', { name: 'Jonas', email: 'jonas@example.com' });
    const b = await api('POST', '/v1/contacts', { name: 'Jonas M.', email: 'JONAS@example.com' });
    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Settings' }).click();
      const region = page.getByRole('combobox', { name: 'Default region' });

      // a name that is no country is refused in words and nothing is saved
      await region.fill('Atlantis');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('No country is called “Atlantis”');
      expect((await api('GET', '/v1/settings')).body.default_region).toBeNull();

      // typed in full, or searched and picked from the list: Germany is DE
      await region.fill('Germany');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Default region: Germany (DE)');
      expect((await api('GET', '/v1/settings')).body.default_region).toBe('DE');

      await region.fill('geor');
      await page.getByRole('option', { name: /^Georgia/ }).waitFor();
      await region.fill('germ');
      await page.getByRole('option', { name: /^Germany/ }).click();
      expect(await region.inputValue()).toBe('Germany');

      await page.getByLabel('Link lifetime in days').fill('3');
      await expect.poll(() => page.getByText('Merge links and codes stay valid 3 days.').count()).toBe(1);
      await page.getByRole('button', { name: 'Save settings' }).click();
      await expect.poll(async () => (await api('GET', '/v1/settings')).body.link_ttl_s).toBe(3 * 86400);
      expect((await api('GET', '/v1/settings')).body.default_region).toBe('DE');

      // a new rule: the note says existing contacts are not merged yet and offers the dry run
      await page.getByLabel('E-mail', { exact: true }).check();
      await page.getByRole('button', { name: 'Add rule' }).click();
      const note = page.getByRole('note');
      await expect.poll(() => note.textContent()).toContain('contacts already there are not merged by it yet');
      await note.getByRole('button', { name: 'Find duplicates (dry run)' }).click();
      await expect.poll(() => note.getByRole('list', { name: 'Duplicates found' }).textContent()).toContain('Jonas M.');
      await page.getByRole('combobox', { name: 'Default region' }).focus();
      await page.getByRole('heading', { name: 'Settings' }).click();
      await atBothWidths(page, 'admin-settings', [a.body.id, b.body.id]);
      await note.getByRole('button', { name: 'Merge 1 contact' }).click();
      await note.getByRole('button', { name: 'Yes, merge them' }).click();
      await expect.poll(() => note.locator('.notice').last().textContent()).toContain('Merged 1 contact');
      expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(1);
    });
  });
});
