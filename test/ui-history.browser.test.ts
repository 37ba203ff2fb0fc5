import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, signIn } from './helpers/browser.js';
import { atBothWidths } from './helpers/screens.js';
import { connectBot } from './helpers/server.js';

// A contact's history in words: one line per event, contacts by name with links, who and why; a merged-away
// contact's page names where it went. Screenshots in test-artifacts/ at desktop and 375 px.

const ui = browserTests();


describe.skipIf(!ui.enabled)('a contact’s history in words', () => {
  it('tells each merge once, by name, with who did it and which rule, and the merged-away page names where it went', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const olga = (await api('POST', '/v1/contacts', { name: 'Olga Petrova', phone: '+4915111111111' })).body;
    // by hand through the API
    const boris = (await api('POST', '/v1/contacts', { name: 'Boris K', email: 'boris@example.com' })).body;
    expect((await api('POST', '/v1/contacts/merge', { from_contact_id: boris.id, to_contact_id: olga.id })).status).toBe(200);
    // by a rule: one line, naming the rule
    const rule = (await api('POST', '/v1/merge-rules', { fields: ['phone'] })).body;
    const twin = (await api('POST', '/v1/contacts', { name: 'O. Petrova', phone: '+49 151 11111111' })).body;
    // by a merge link: one line, not two
    const tg = await clientWrites(api, telegram.id, 'tg-9', 'hi', { name: 'Olga on Telegram' });
    const link = (await api('POST', `/v1/contacts/${olga.id}/merge-link`, { channel: 'telegram' })).body;
    expect((await api('POST', '/v1/inbound', { bot_id: telegram.id, external_user_id: 'tg-9', text: `/start ${link.token}` })).body.merged).toBeTruthy();

    const history = (await api('GET', `/v1/contacts/${olga.id}/history`)).body.items;
    expect(history.find((h: { kind: string; data: { reason: string } }) => h.kind === 'merge' && h.data.reason === 'api')).toMatchObject({ other_contact_name: 'Boris K', contact_name: 'Olga Petrova' });
    expect(history.find((h: { kind: string }) => h.kind === 'rule_match')).toMatchObject({ rule_fields: ['phone'], other_contact_name: 'O. Petrova' });

    const ids = [olga.id, boris.id, twin.id, tg.contact_id, tg.identity_id, tg.conversation_id, rule.id, link.link_id ?? link.id].filter(Boolean);
    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${olga.id}`);
      const list = page.getByRole('list', { name: 'History' });
      await list.getByRole('listitem').first().waitFor();
      const lines = await list.getByRole('listitem').allInnerTexts();
      expect(lines, lines.join('\n')).toHaveLength(3);
      expect(lines.find((l) => l.startsWith('Merged «Boris K» into this contact — by the API, '))).toBeDefined();
      expect(lines.find((l) => l.startsWith('Merged «O. Petrova» into this contact — rule «same phone», '))).toBeDefined();
      expect(lines.find((l) => l.startsWith('Merged «Olga on Telegram» into this contact — through the client’s merge link, '))).toBeDefined();
      await atBothWidths(page, 'history-in-words', ids);

      await list.getByRole('link', { name: '«Boris K»' }).click();
      await page.getByRole('heading', { name: 'Boris K' }).waitFor();
      const status = page.getByRole('status');
      await expect.poll(() => status.innerText()).toContain('This contact was merged into «Olga Petrova»');
      await atBothWidths(page, 'merged-away', ids);
      await status.getByRole('link', { name: '«Olga Petrova»' }).click();
      await page.getByRole('heading', { name: 'Olga Petrova' }).waitFor();
    });
  });
});
