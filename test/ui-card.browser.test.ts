import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, signIn } from './helpers/browser.js';
import { atBothWidths } from './helpers/screens.js';
import { connectBot } from './helpers/server.js';

// The contact card as a place to work: fields edited through the API with its refusals in words, internal
// variables and empty rows hidden, pending merge links revocable, the ad a client came from, images inline.
// Screenshots in test-artifacts/ at desktop and 375 px.

const ui = browserTests();


describe.skipIf(!ui.enabled)('the contact card', () => {
  it('edits name, phone, tags and variables, says in words what the API refused, and hides internal variables and empty rows', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    await connectBot(api, 'whatsapp', '+1 555 078 3881');
    const client = await clientWrites(api, telegram.id, '501', 'Hello', { name: 'Dana' });
    await api('PATCH', `/v1/contacts/${client.contact_id}`, { variables: { plan: 'pro' } });
    await api('POST', `/v1/contacts/${client.contact_id}/merge-link`, { channel: 'whatsapp' });
    expect((await api('GET', `/v1/contacts/${client.contact_id}`)).body.variables).toHaveProperty('text_to_merge_contact');
    const ids = [client.contact_id, client.identity_id, client.conversation_id];

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${client.contact_id}`);
      await page.getByRole('heading', { name: 'Dana' }).waitFor();
      const body = () => page.locator('body').innerText();
      expect(await body()).not.toContain('text_to_merge_contact');
      expect(await page.locator('.fields').innerText()).not.toMatch(/\bnone\b/);
      await page.getByRole('list', { name: 'Pending merge links' }).waitFor();
      expect(await page.getByRole('list', { name: 'Pending merge links' }).innerText()).toMatch(/WhatsApp code via \+1 ?555 ?078 ?3881.*works until/s);
      await atBothWidths(page, 'card', ids);

      await page.getByRole('button', { name: 'Edit contact' }).click();
      const form = page.getByRole('form', { name: 'Edit contact' });
      await form.getByLabel('Name', { exact: true }).fill('Dana Scully');
      await form.getByLabel('Phone').fill('12');
      await form.getByLabel('Tags').fill('vip, lead');
      await form.getByLabel('Value of plan').fill('enterprise');
      await form.getByRole('button', { name: 'Save' }).click();
      const refusal = form.getByRole('alert');
      await refusal.waitFor();
      expect(await refusal.innerText()).toContain('phone');
      expect((await api('GET', `/v1/contacts/${client.contact_id}`)).body.name).toBe('Dana');
      await atBothWidths(page, 'card-edit-refused', ids);

      await form.getByLabel('Phone').fill('+49 160 1234567');
      await form.getByRole('button', { name: 'Save' }).click();
      await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
      await page.getByRole('heading', { name: 'Dana Scully' }).waitFor();
      expect(await page.locator('.fields').innerText()).toContain('+49 160 1234567');
      const saved = (await api('GET', `/v1/contacts/${client.contact_id}`)).body;
      expect(saved).toMatchObject({ name: 'Dana Scully', phone: '+491601234567', tags: ['lead', 'vip'], variables: { plan: 'enterprise' } });
      expect(saved.variables).toHaveProperty('text_to_merge_contact');

      await page.getByRole('button', { name: 'Revoke code' }).click();
      await page.getByRole('button', { name: 'Yes, revoke this code' }).click();
      await expect.poll(() => page.getByRole('list', { name: 'Pending merge links' }).count()).toBe(0);
      expect((await api('GET', `/v1/contacts/${client.contact_id}/links`)).body.items).toEqual([]);
    });
  });

  it('shows in a dialog the ad the client came from and an image inline, other files as links', async () => {
    const { apiKey, api } = await ui.project();
    const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
    const first = (
      await api('POST', '/v1/inbound', {
        bot_id: whatsapp.id,
        external_user_id: '491512345678',
        text: 'Is this still on?',
        referral: { source: 'ADS', ad_id: '120200000000000002', headline: 'Free delivery this week' },
        attachments: [
          { type: 'photo', url: 'https://cdn.example.com/shoe.jpg', mime_type: 'image/jpeg' },
          { type: 'document', url: 'https://cdn.example.com/catalog.pdf', name: 'catalog.pdf', mime_type: 'application/pdf' },
        ],
      })
    ).body;

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${first.contact_id}/conversations/${first.conversation_id}`);
      const messages = page.getByRole('list', { name: 'Messages' });
      await messages.waitFor();
      expect(await page.locator('body').innerText()).toContain('Came from an ad: Free delivery this week');
      expect(await messages.getByRole('img', { name: 'photo' }).getAttribute('src')).toBe('https://cdn.example.com/shoe.jpg');
      expect(await messages.getByRole('link', { name: 'document · catalog.pdf' }).getAttribute('href')).toBe('https://cdn.example.com/catalog.pdf');
      await atBothWidths(page, 'dialog-attachments', [first.contact_id, first.conversation_id, first.identity_id]);
    });
  });
});
