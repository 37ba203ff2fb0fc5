import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, signIn } from './helpers/browser.js';
import { atBothWidths } from './helpers/screens.js';
import { connectBot } from './helpers/server.js';

// Inviting from a dialog with a preview: nothing reaches the client until the operator sends the message,
// as edited; "Copy only" sends nothing. Screenshots in test-artifacts/ at desktop and 375 px.

const ui = browserTests();


describe.skipIf(!ui.enabled)('inviting the client to another messenger with a preview', () => {
  it('shows the message and link to edit, sends nothing until Send, then sends the edited text', async () => {
    const { apiKey, api } = await ui.project();
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    await connectBot(api, 'whatsapp', '+1 415 555 2671');
    const client = await clientWrites(api, telegram.id, '778', 'Can we move to WhatsApp?', { name: 'Ines', username: 'ines' });
    const texts = async () => (await api('GET', `/v1/conversations/${client.conversation_id}/messages`)).body.items.map((m: { text: string }) => m.text);

    await ui.withPage(async (page) => {
      await signIn(page, apiKey);
      await page.goto(`/contacts/${client.contact_id}/conversations/${client.conversation_id}`);
      await page.getByRole('button', { name: 'Invite to WhatsApp' }).click();
      const invite = page.getByRole('region', { name: 'WhatsApp invite' });
      const message = invite.getByLabel('Message to the client');
      await message.waitFor();
      const url = await invite.getByLabel('Link').inputValue();
      expect(await message.inputValue()).toContain(url);
      expect(await texts()).toEqual(['Can we move to WhatsApp?']);
      await atBothWidths(page, 'invite-preview', [client.contact_id, client.conversation_id, client.identity_id]);

      await invite.getByRole('button', { name: 'Copy only' }).click();
      await invite.getByRole('status').waitFor();
      expect(await texts()).toEqual(['Can we move to WhatsApp?']);

      const edited = `Ines, let's continue on WhatsApp: ${url}`;
      await message.fill(edited);
      await invite.getByRole('button', { name: 'Send' }).click();
      await invite.getByText(`Sent into this conversation: “${edited}”`).waitFor();
      await expect.poll(() => page.getByRole('list', { name: 'Messages' }).textContent()).toContain(edited);
      expect(await texts()).toEqual(['Can we move to WhatsApp?', edited]);
      await atBothWidths(page, 'invite-sent', [client.contact_id, client.conversation_id, client.identity_id]);
    });
  });
});
