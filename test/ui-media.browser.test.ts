import { describe, expect, it } from 'vitest';
import { browserTests, screenshot, signIn } from './helpers/browser.js';
import { connectBot } from './helpers/server.js';

// Ad referrals and media in the operator UI: a dialog shows attachments as chips and the ad a client came
// from; related dialogs show "📎 photo" for a last message without text.

const ui = browserTests();

describe.skipIf(!ui.enabled)('attachments and ad referrals in the operator UI', () => {
  it('shows a photo without text as "📎 photo" in related dialogs, and the dialog shows its chip, the caption of another, and the ad', async () => {
    const { apiKey, api } = await ui.project();
    const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
    const first = await api('POST', '/v1/inbound', {
      bot_id: whatsapp.id,
      external_user_id: '491512345678',
      text: 'Do you have it in red?',
      profile: { name: 'Anna Petrova' },
      attachments: [{ type: 'document', url: 'https://example.com/catalog.pdf', name: 'catalog.pdf', mime_type: 'application/pdf' }],
      referral: { source: 'ADS', ad_id: '120200000000000002', headline: 'Free delivery this week' },
    });
    expect(first.status).toBe(200);
    await api('POST', '/v1/inbound', { bot_id: whatsapp.id, external_user_id: '491512345678', attachments: [{ type: 'photo', file_id: '1003383421387256', mime_type: 'image/jpeg' }] });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${first.body.contact_id}`);
      const dialog = page.getByRole('listitem', { name: /WhatsApp .* dialog/ });
      await expect.poll(() => dialog.textContent()).toContain('📎 photo');
      expect(await dialog.textContent()).toContain('Came from an ad: Free delivery this week');

      await page.getByRole('link', { name: /Open WhatsApp .* dialog/ }).click();
      const messages = page.getByRole('list', { name: 'Messages' });
      await expect.poll(() => messages.textContent()).toContain('Do you have it in red?');
      const chips = page.getByRole('list', { name: 'Attachments' });
      await expect.poll(() => chips.count()).toBe(2);
      expect(await chips.first().textContent()).toContain('document · catalog.pdf');
      expect(await page.getByRole('link', { name: 'document · catalog.pdf' }).getAttribute('href')).toBe('https://example.com/catalog.pdf');
      expect(await chips.last().textContent()).toContain('photo');
      expect(await messages.textContent()).toContain('Came from an ad: Free delivery this week (ad 120200000000000002)');
      await screenshot(page, 'conversation-attachments');
    });
  });
});
