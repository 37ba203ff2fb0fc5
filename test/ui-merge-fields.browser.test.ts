import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, signIn } from './helpers/browser.js';
import { atBothWidths } from './helpers/screens.js';
import { connectBot, type Api } from './helpers/server.js';

// Choosing per field which value a merge keeps, in the merge screen and when approving a suggestion; both
// screens readable at desktop and phone width. Screenshots in test-artifacts/.

const ui = browserTests();

/** One person as two contacts: Boris on Telegram with a plan, Boris Karpov on WhatsApp with a phone. */
async function twoBorises(api: Api) {
  const telegram = await connectBot(api, 'telegram', 'shop_bot');
  const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
  const tg = await clientWrites(api, telegram.id, '501', 'Hi on Telegram', { name: 'Boris K' });
  const wa = await clientWrites(api, whatsapp.id, '491609999999', 'Hi on WhatsApp', { name: 'Boris Karpov' });
  await api('PATCH', `/v1/contacts/${tg.contact_id}`, { email: 'boris@example.com', variables: { plan: 'pro' } });
  await api('PATCH', `/v1/contacts/${wa.contact_id}`, { phone: '+491609999999', variables: { plan: 'free' } });
  return { tg: tg.contact_id, wa: wa.contact_id, ids: [tg.contact_id, wa.contact_id, tg.identity_id, wa.identity_id, tg.conversation_id, wa.conversation_id] };
}


describe.skipIf(!ui.enabled)('choosing per field what a merge keeps, in the operator UI', () => {
  it('lets the operator keep the merged-away name and the survivor’s plan, shows it in the preview and merges so', async () => {
    const { apiKey, api } = await ui.project();
    const { tg, wa, ids } = await twoBorises(api);

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/merge?a=${wa}&b=${tg}`);
      await page.getByRole('radio', { name: 'Keep Boris Karpov' }).check();
      // each side with its messengers and phone, not the name alone
      expect(await page.getByRole('group', { name: 'First contact' }).innerText()).toMatch(/WhatsApp[\s\S]*\+49 160 9999999/);
      expect(await page.getByRole('group', { name: 'Second contact' }).innerText()).toMatch(/Telegram[\s\S]*boris@example\.com/);
      await page.getByRole('button', { name: 'Preview merge' }).click();
      const preview = page.getByRole('region', { name: 'Preview' });
      await preview.waitFor();
      // the default policy: the survivor's name and variables win
      expect(await preview.getByRole('row', { name: /^Name/ }).getByRole('cell').last().textContent()).toBe('Boris Karpov');

      await preview.getByRole('radio', { name: 'Name: keep Boris K of Boris K' }).check();
      await preview.getByRole('radio', { name: 'Variable “plan”: keep pro of Boris K' }).check();
      await expect.poll(() => preview.getByRole('row', { name: /^Name/ }).getByRole('cell').last().textContent()).toContain('Boris K');
      await expect.poll(() => preview.getByRole('row', { name: /^Variable “plan”/ }).getByRole('cell').last().textContent()).toContain('pro');
      expect((await api('GET', `/v1/contacts/${tg}`)).body.state).toBe('active');
      await atBothWidths(page, 'merge-field-choice', ids);

      await page.getByRole('button', { name: 'Confirm merge' }).click();
      await page.getByText('Merged Boris K into this contact.').waitFor();
      const survivor = (await api('GET', `/v1/contacts/${wa}`)).body;
      expect(survivor).toMatchObject({ name: 'Boris K', phone: '+491609999999', email: 'boris@example.com', variables: { plan: 'pro' } });
      // the history says what the operator chose
      await expect.poll(() => page.getByRole('list', { name: 'History' }).innerText()).toContain('Merged «Boris K» into this contact — by the API, kept name, variable “plan” of «Boris K»');
      expect(await page.getByRole('list', { name: 'History' }).innerText()).toContain('kept name, variable “plan” of «Boris K»');
    });
  });

  it('opens a suggestion’s approval on the same preview with the choice, showing both sides’ messengers, phones and e-mails', async () => {
    const { apiKey, api } = await ui.project();
    const { tg, wa, ids } = await twoBorises(api);
    await api('PUT', '/v1/settings', { merge_mode: 'manual' });
    expect((await api('POST', '/v1/merge-rules', { fields: ['email'] })).status).toBe(201);
    await api('PATCH', `/v1/contacts/${wa}`, { email: 'boris@example.com' });
    const [suggestion] = (await api('GET', '/v1/merge-suggestions?status=pending')).body.items;
    expect(suggestion).toBeDefined();
    const names: Record<string, string> = { [tg]: 'Boris K', [wa]: 'Boris Karpov' };
    const what = `merge of ${names[suggestion.from_contact_id]} into ${names[suggestion.to_contact_id]}`;

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.getByRole('link', { name: 'Suggestions' }).click();
      const row = page.getByRole('listitem', { name: `Suggested ${what}` });
      await row.waitFor();
      const text = (await row.innerText()) ?? '';
      expect(text).toContain('+49 160 9999999');
      expect(text).toContain('boris@example.com');
      expect(await row.getByRole('group', { name: /Boris K$/ }).innerText()).toContain('Telegram');
      expect(await row.getByRole('group', { name: /Boris Karpov$/ }).innerText()).toContain('WhatsApp');
      await atBothWidths(page, 'suggestion-sides', [...ids, suggestion.id]);

      await page.getByRole('link', { name: `Approve ${what}` }).click();
      await page.getByRole('heading', { name: 'Approve a suggested merge' }).waitFor();
      const preview = page.getByRole('region', { name: 'Preview' });
      await preview.waitFor();
      const from = suggestion.from_contact_id === tg ? 'Boris K' : 'Boris Karpov';
      await preview.getByRole('radio', { name: `Name: keep ${from} of ${from}` }).check();
      await expect.poll(() => preview.getByRole('row', { name: /^Name/ }).getByRole('cell').last().textContent()).toContain(from);
      expect((await api('GET', '/v1/merge-suggestions?status=pending')).body.items).toHaveLength(1);
      await atBothWidths(page, 'suggestion-approval-preview', [...ids, suggestion.id]);

      await page.getByRole('button', { name: 'Approve and merge' }).click();
      await page.getByText(`Merged ${from} into this contact.`).waitFor();
      expect((await api('GET', `/v1/contacts/${suggestion.to_contact_id}`)).body.name).toBe(from);
      expect((await api('GET', '/v1/merge-suggestions?status=approved')).body.items.map((s: { id: string }) => s.id)).toEqual([suggestion.id]);
    });
  });
});
