import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, signIn } from './helpers/browser.js';
import { atBothWidths } from './helpers/screens.js';
import { connectBot } from './helpers/server.js';

// The contacts list as an operator scans it: messengers, last message and time, where to answer, phones
// for people; filters and sort kept in the address. Screenshots in test-artifacts/ at desktop and 375 px.

const ui = browserTests();


describe.skipIf(!ui.enabled)('the contacts list', () => {
  it('shows messengers, the last message with its time, where to answer and phones for people; filters and sorts', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
    const quiet = (await api('POST', '/v1/contacts', { name: 'Quiet Customer', phone: '+4915112345678', tags: ['vip'] })).body;
    const onTg = await clientWrites(api, telegram.id, '501', 'Where is my order?', { username: 'boris_k' });
    const onWa = await clientWrites(api, whatsapp.id, '491609999999', 'Thanks, got it!', { name: 'Olga' });
    await api('PATCH', `/v1/contacts/${onWa.contact_id}`, { phone: '+491609999999', tags: ['vip'] });
    const ids = [quiet.id, onTg.contact_id, onWa.contact_id, onTg.identity_id, onWa.identity_id, onTg.conversation_id, onWa.conversation_id];

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      const list = page.getByRole('list', { name: 'Contacts' });
      await list.getByRole('listitem').first().waitFor();
      // most recently active first; the contact without messages last
      // the list may still be filling (or refreshed by the live stream as the messages above come in)
      await expect.poll(() => list.getByRole('listitem').evaluateAll((items) => items.map((li) => li.getAttribute('aria-label')))).toEqual(['Olga', 'boris_k', 'Quiet Customer']);
      const olga = list.getByRole('listitem', { name: 'Olga' });
      const text = await olga.innerText();
      expect(text).toContain('Thanks, got it!');
      expect(text).toContain('+49 160 9999999');
      expect(text).toContain('Answer in WhatsApp');
      expect(await olga.getByLabel('On WhatsApp').count()).toBe(1);
      expect(await list.getByRole('listitem', { name: 'boris_k' }).innerText()).toContain('Where is my order?');
      expect(await list.getByRole('listitem', { name: 'Quiet Customer' }).innerText()).toContain('No messages yet');
      await atBothWidths(page, 'contacts-list', ids);

      await page.getByLabel('Messenger').selectOption('telegram');
      await expect.poll(() => list.getByRole('listitem').count()).toBe(1);
      expect(page.url()).toContain('channel=telegram');
      await page.getByLabel('Messenger').selectOption('');
      await page.getByLabel('With tag', { exact: true }).fill('vip');
      await page.getByLabel('With tag', { exact: true }).press('Enter');
      await expect.poll(() => list.getByRole('listitem').evaluateAll((items) => items.map((li) => li.getAttribute('aria-label')))).toEqual(['Olga', 'Quiet Customer']);
      await page.getByRole('checkbox', { name: 'Can be written to now' }).check();
      await expect.poll(() => list.getByRole('listitem').evaluateAll((items) => items.map((li) => li.getAttribute('aria-label')))).toEqual(['Olga']);
      await page.getByLabel('With tag', { exact: true }).fill('nobody-has-this');
      await page.getByLabel('With tag', { exact: true }).press('Enter');
      await page.getByText('No active contact matches this search and these filters.').waitFor();
      await atBothWidths(page, 'contacts-list-empty', ids);
    });
  });
});
