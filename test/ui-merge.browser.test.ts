import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, screenshot, signIn } from './helpers/browser.js';
import { connectBot, type Api } from './helpers/server.js';

// Merging from the UI: pick two contacts, choose the survivor, read the dry run, confirm; then
// undo and unmerge from the card. Each test keeps a screenshot in test-artifacts/.

const ui = browserTests();

/** One person who wrote on Telegram and, as a separate contact, on WhatsApp. */
async function twoContactsOfOnePerson(api: Api) {
  const telegram = await connectBot(api, 'telegram', 'shop_bot');
  const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
  const onTelegram = await clientWrites(api, telegram.id, '501', 'Hi on Telegram', { name: 'Dana Telegram', username: 'dana' });
  const onWhatsapp = await clientWrites(api, whatsapp.id, '491609999999', 'Hi on WhatsApp', { name: 'Dana WhatsApp' });
  await api('PATCH', `/v1/contacts/${onWhatsapp.contact_id}`, { phone: '+491609999999', tags: ['lead'] });
  return { telegramContact: onTelegram.contact_id, whatsappContact: onWhatsapp.contact_id };
}

describe.skipIf(!ui.enabled)('merging in the operator UI', () => {
  it('merges two contacts after a preview of what moves and which values win, then undoes it from the history', async () => {
    const { apiKey, api } = await ui.project();
    const { telegramContact, whatsappContact } = await twoContactsOfOnePerson(api);

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('checkbox', { name: 'Pick Dana Telegram' }).check();
      await page.getByRole('checkbox', { name: 'Pick Dana WhatsApp' }).check();
      await page.getByRole('button', { name: 'Merge selected' }).click();

      await page.getByRole('radio', { name: 'Keep Dana Telegram' }).check();
      await page.getByRole('button', { name: 'Preview merge' }).click();
      const preview = page.getByRole('region', { name: 'Preview' });
      await preview.waitFor();
      const phoneRow = await preview.getByRole('row', { name: /^Phone/ }).textContent();
      expect(phoneRow).toContain('+491609999999');
      expect(await preview.getByRole('list', { name: 'What moves' }).textContent()).toContain('Identities: 1');
      expect((await api('GET', `/v1/contacts/${whatsappContact}`)).body.state).toBe('active');
      await screenshot(page, 'merge-preview');

      await page.getByRole('button', { name: 'Confirm merge' }).click();
      await page.getByText('Merged Dana WhatsApp into this contact.').waitFor();
      expect(page.url()).toContain(`/contacts/${telegramContact}`);
      await expect.poll(() => page.getByRole('list').filter({ has: page.getByRole('listitem', { name: /dialog$/ }) }).getByRole('listitem').count()).toBe(2);
      expect((await api('GET', `/v1/contacts/${whatsappContact}`)).body).toMatchObject({ state: 'merged', merged_into: telegramContact });
      await screenshot(page, 'merge-done');

      await page.getByRole('button', { name: 'Undo merge' }).click();
      await page.getByRole('button', { name: 'Yes, undo this merge' }).click();
      await expect.poll(async () => (await api('GET', `/v1/contacts/${whatsappContact}`)).body.state).toBe('active');
      await expect.poll(() => page.getByRole('listitem', { name: /dialog$/ }).count()).toBe(1);
      await page.getByText(/^Undid the merge of «Dana WhatsApp» into this contact — by /).first().waitFor();
    });
  });

  it('unmerges one identity of a merged contact into a contact of its own', async () => {
    const { apiKey, api } = await ui.project();
    const { telegramContact, whatsappContact } = await twoContactsOfOnePerson(api);
    const merged = await api('POST', '/v1/contacts/merge', { from_contact_id: whatsappContact, to_contact_id: telegramContact });
    expect(merged.status).toBe(200);

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${telegramContact}`);
      await page.getByRole('button', { name: /^Unmerge WhatsApp/ }).click();
      await page.getByRole('button', { name: /^Yes, make WhatsApp .* a contact of its own$/ }).click();
      await page.getByText('Unmerged: the identity is now').waitFor();
      await expect.poll(() => page.getByRole('listitem', { name: /dialog$/ }).count()).toBe(1);
      const card = await api('GET', `/v1/contacts/${telegramContact}`);
      expect(card.body.identities.map((i: { channel: string }) => i.channel)).toEqual(['telegram']);
      await screenshot(page, 'unmerge-done');
    });
  });

  it('shows the merges a rule suggested in manual mode with their evidence, approves one and rejects another', async () => {
    const { apiKey, api } = await ui.project();
    const { telegramContact, whatsappContact } = await twoContactsOfOnePerson(api);
    const olga = (await api('POST', '/v1/contacts', { name: 'Olga Other', variables: { account: 'A-17' } })).body;
    await api('PUT', '/v1/settings', { merge_mode: 'manual' });
    expect((await api('POST', '/v1/merge-rules', { fields: ['phone'] })).status).toBe(201);
    expect((await api('POST', '/v1/merge-rules', { fields: ['variables.account'] })).status).toBe(201);
    await api('PATCH', `/v1/contacts/${telegramContact}`, { phone: '+49 160 9999999', variables: { account: 'A-17' } });
    const pending = (await api('GET', '/v1/merge-suggestions?status=pending')).body.items;
    expect(pending).toHaveLength(2);
    const names = { [telegramContact]: 'Dana Telegram', [whatsappContact]: 'Dana WhatsApp', [olga.id]: 'Olga Other' };
    const [byPhone, byAccount] = ['phone', 'variables.account'].map((field) => {
      const s = pending.find((p: { evidence: { fields: string[] } }) => p.evidence.fields[0] === field);
      return `merge of ${names[s.from_contact_id]} into ${names[s.to_contact_id]}`;
    });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Suggestions' }).click();
      const suggestion = page.getByRole('listitem', { name: `Suggested ${byPhone}` });
      await suggestion.waitFor();
      const evidence = (await suggestion.textContent()) ?? '';
      expect(evidence).toContain('A merge rule matched: same phone');
      expect(evidence).toContain('+491609999999');
      expect(await page.getByRole('listitem', { name: `Suggested ${byAccount}` }).textContent()).toContain('Same variable “account”A-17');
      await screenshot(page, 'suggestions');

      await page.getByRole('link', { name: `Approve ${byPhone}` }).click();
      await page.getByRole('region', { name: 'Preview' }).waitFor();
      await page.getByRole('button', { name: 'Approve and merge' }).click();
      await page.getByText(/^Merged Dana .* into this contact\./).waitFor();
      const dana = [telegramContact, whatsappContact].map(async (id) => (await api('GET', `/v1/contacts/${id}`)).body.state);
      expect((await Promise.all(dana)).sort()).toEqual(['active', 'merged']);
      await page.getByRole('link', { name: 'Suggestions' }).click();

      await page.getByRole('button', { name: `Reject ${byAccount}` }).click();
      await page.getByText('Rejected: both contacts stay').waitFor();
      expect((await api('GET', `/v1/contacts/${olga.id}`)).body.state).toBe('active');
      expect(await page.getByRole('listitem', { name: /^Suggested merge/ }).count()).toBe(0);

      await page.getByRole('button', { name: 'Approved' }).click();
      await expect.poll(() => page.getByRole('listitem', { name: /^Suggested merge/ }).textContent()).toContain('Approved by api');
    });
  });
});
