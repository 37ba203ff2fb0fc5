import { describe, expect, it } from 'vitest';
import { suggestMerge } from '../src/usecases/suggest-merge.js';
import { browserTests, clientWrites, screenshot, signIn } from './helpers/browser.js';
import { connectBot, type Api } from './helpers/server.js';

// Merging from the UI (issue 8): pick two contacts, choose the survivor, read the dry run, confirm; then
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
      await page.getByText('Merge undone').first().waitFor();
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

  it('shows a suggested merge with its evidence and approves it, and rejects another so both contacts stay', async () => {
    const { apiKey, api, projectId } = await ui.project();
    const { telegramContact, whatsappContact } = await twoContactsOfOnePerson(api);
    const other = (await api('POST', '/v1/contacts', { name: 'Olga Other', phone: '+491609999990' })).body;
    // Rules and links make suggestions inside their own transactions; here the test plays their part.
    const suggest = (fromId: string, toId: string, evidence: Record<string, unknown>) =>
      ui.server().store.transaction((tx) => suggestMerge(tx, projectId, { kind: 'rule', fromId, toId, reason: 'rule:r1', evidence }));
    await suggest(whatsappContact, telegramContact, { rule_id: 'r1', fields: ['phone'], values: { phone: '+491609999999' } });
    await suggest(other.id, telegramContact, { rule_id: 'r2', fields: ['variables.account'], values: { 'variables.account': 'A-17' } });

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Suggestions' }).click();
      const suggestion = page.getByRole('listitem', { name: 'Suggested merge of Dana WhatsApp into Dana Telegram' });
      await suggestion.waitFor();
      const evidence = (await suggestion.textContent()) ?? '';
      expect(evidence).toContain('A merge rule matched');
      expect(evidence).toContain('same phone');
      expect(evidence).toContain('+491609999999');
      await screenshot(page, 'suggestions');

      await page.getByRole('button', { name: 'Approve merge of Dana WhatsApp into Dana Telegram' }).click();
      await page.getByText('Approved: the merge of Dana WhatsApp into Dana Telegram is done.').waitFor();
      expect((await api('GET', `/v1/contacts/${whatsappContact}`)).body).toMatchObject({ state: 'merged', merged_into: telegramContact });

      await page.getByRole('button', { name: 'Reject merge of Olga Other into Dana Telegram' }).click();
      await page.getByText('Rejected: both contacts stay').waitFor();
      expect((await api('GET', `/v1/contacts/${other.id}`)).body.state).toBe('active');
      expect(await page.getByRole('listitem', { name: /^Suggested merge/ }).count()).toBe(0);

      await page.getByRole('button', { name: 'Approved' }).click();
      await expect.poll(() => page.getByRole('listitem', { name: /^Suggested merge/ }).textContent()).toContain('Approved by web UI');
    });
  });
});
