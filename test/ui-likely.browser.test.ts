import { describe, expect, it } from 'vitest';
import { browserTests, screenshot, signIn } from './helpers/browser.js';

// Likely duplicates in the operator UI (docs/likely-duplicates.md): the card's "Maybe the same person" with
// the evidence in words and the score as a bar, leading to the merge preview; the same pair in the
// suggestions queue after the whole-base pass.

const ui = browserTests();

describe.skipIf(!ui.enabled)('likely duplicates in the operator UI', () => {
  it('shows Aleksei in Cyrillic on the card of Aleksei in Latin with why, and approving it merges them through the merge preview', async () => {
    const { apiKey, api } = await ui.project();
    const latin = (await api('POST', '/v1/contacts', { name: 'Aleksei Ivanov', email: 'a.ivanov@gmail.com', phone: '+79001234567' })).body;
    const cyrillic = (await api('POST', '/v1/contacts', { name: 'Алексей Иванов', email: 'aivanov@gmail.com', phone: '+79001234576' })).body;

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${latin.id}`);
      const panel = page.getByRole('region', { name: 'Maybe the same person' });
      await panel.waitFor();
      const item = panel.getByRole('listitem', { name: 'Maybe the same person: Алексей Иванов' });
      const text = await item.textContent();
      expect(text).toContain('Aleksei Ivanov and Алексей Иванов: the same name in another script');
      expect(text).toContain('+79001234567 and +79001234576: two adjacent digits swapped');
      expect(text).toContain('the same mailbox (the provider ignores dots and +tags)');
      expect(await item.getByRole('meter').getAttribute('aria-label')).toMatch(/^Likelihood \d+%$/);
      await screenshot(page, 'likely-card');

      await item.getByRole('link', { name: 'Review a merge with Алексей Иванов' }).click();
      await page.getByRole('heading', { name: 'Merge two contacts' }).waitFor();
      expect(new URL(page.url()).search).toBe(`?a=${latin.id}&b=${cyrillic.id}`);

      expect((await api('POST', '/v1/dedupe', { likely: true })).body.suggestions_created).toBe(1);
      await page.goto('/suggestions');
      const suggestion = page.getByRole('listitem', { name: /^Suggested merge of Алексей Иванов into Aleksei Ivanov/ });
      await suggestion.waitFor();
      expect(await suggestion.textContent()).toContain('Maybe the same person');
      await suggestion.getByRole('meter').waitFor();
      await screenshot(page, 'likely-suggestion');
      // approving a likely suggestion goes through the merge preview, as any suggestion does
      await suggestion.getByRole('link', { name: /^Approve / }).click();
      await page.getByRole('heading', { name: 'Approve a suggested merge' }).waitFor();
      const chosen = new URL(page.url()).searchParams;
      expect([chosen.get('a'), chosen.get('b')]).toEqual([latin.id, cyrillic.id]);
      await page.getByRole('region', { name: 'Preview' }).waitFor();
      await page.getByRole('button', { name: 'Approve and merge' }).click();
      await expect.poll(async () => (await api('GET', `/v1/contacts/${cyrillic.id}`)).body.state).toBe('merged');
      expect((await api('GET', `/v1/contacts/${latin.id}`)).body.state).toBe('active');
    });
  });
});
