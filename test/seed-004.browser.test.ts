import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserTests } from './helpers/browser.js';
import { startMessengerApi, type FakeMessengerApi } from './helpers/messenger-api.js';
import { connectMessengerBot, fixture, postRaw, SECRETS, SIGN } from './helpers/messengers.js';
import { atBothWidths } from './helpers/screens.js';

// The operator's flow from the product's origins, end to end in Chromium: a client writes "Hi" on Instagram
// (a signed Meta webhook) → the dialog shows in the console without reload → an operator signs in, opens it,
// assigns it to themself → sends the WhatsApp invite after its preview, out through the Instagram connector
// (the stand-in below) → the client's WhatsApp message with the code arrives by signed webhook → auto mode:
// the console says, without reload, that both are one contact; manual mode: a prompt to approve the merge
// appears, and approving merges → the operator answers from the card, on the recommended channel
// (preselected) and on the other one, each through its connector. Screenshots in test-artifacts/.

let messengers: FakeMessengerApi;
beforeAll(async () => {
  messengers = await startMessengerApi();
});
afterAll(async () => {
  await messengers?.close();
});

const ui = browserTests(() => ({
  messengerApiUrls: { instagram: `${messengers.url}/instagram`, whatsapp: `${messengers.url}/whatsapp` },
  live: { pollMs: 200 },
  sending: { pollMs: 100 },
}));

const PASSWORD = 'a long enough password';
const PHONE_NUMBER_ID = '106540352242922';
const CLIENT_ON_INSTAGRAM = '1234567890123456';

/** What the stand-in received for one messenger's Send API, as texts. */
function sentOn(channel: 'instagram' | 'whatsapp'): string[] {
  return messengers.requests
    .filter((r) => r.method === 'POST' && (channel === 'instagram' ? r.path === '/instagram/me/messages' : r.path === `/whatsapp/${PHONE_NUMBER_ID}/messages`))
    .map((r) => (channel === 'instagram' ? r.json.message.text : r.json.text.body) as string);
}

async function seedFlow(mode: 'auto' | 'manual') {
  const { api, projectId } = await ui.project(`Shop ${mode}`);
  messengers.requests.length = 0;
  if (mode === 'manual') expect((await api('PUT', '/v1/settings', { merge_mode: 'manual' })).status).toBe(200);
  const instagram = await connectMessengerBot(api, 'instagram', { token: 'IGAAT-page-token' });
  const whatsapp = await connectMessengerBot(api, 'whatsapp', { handle: '+1 555 078 3881', token: 'EAAG-wa-token', account_id: PHONE_NUMBER_ID });
  const email = `olga-${projectId}@example.com`;
  const olga = await api('POST', '/v1/operators', { email, name: 'Olga', password: PASSWORD });
  expect(olga.status).toBe(201);
  const shot = (page: Page, step: string, ids: string[] = []) => atBothWidths(page, `seed-004-${mode}-${step}`, [projectId, olga.body.id, instagram.id, whatsapp.id, ...ids]);

  await ui.withPage(async (page) => {
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    await expect.poll(() => page.locator('.live-state').textContent()).toContain('Live');
    // from here on the tab never reloads: everything below arrives live or by in-app navigation
    await page.evaluate("window.seedFlowMark = 'not reloaded'");
    const notReloaded = async () => expect(await page.evaluate('window.seedFlowMark')).toBe('not reloaded');
    const contacts = page.getByRole('list', { name: 'Contacts' });
    // the list has loaded, empty, before the client writes: what shows next came live
    await page.getByText('No contacts yet: they appear with the first inbound message.').waitFor();
    expect(await contacts.getByRole('listitem').count()).toBe(0);

    // 1. "Hi" on Instagram, by the signed webhook Meta sends: the contact shows up without reload
    const hi = fixture('instagram', 'message-text').replace('my code is cli-7KQ3-M9XT', 'Hi');
    expect((await postRaw(ui.url() + `/v1/channels/instagram/${instagram.id}`, hi, SIGN.instagram(hi, SECRETS.instagram))).status).toBe(200);
    await contacts.getByRole('listitem').first().waitFor();
    expect(await contacts.textContent()).toContain('Hi');
    const [contact] = (await api('GET', '/v1/contacts')).body.items;
    const [dialog] = (await api('GET', `/v1/contacts/${contact.id}/conversations`)).body.items;
    await notReloaded();
    await shot(page, '1-client-wrote', [contact.id, dialog.id]);

    // 2. the operator opens the dialog and takes it
    await contacts.getByRole('link').first().click();
    await page.getByRole('link', { name: /^Open Instagram .* dialog$/ }).click();
    await page.getByRole('button', { name: 'Assign to myself' }).click();
    await page.getByText('Assigned to you (Olga)').waitFor();
    expect((await api('GET', `/v1/contacts/${contact.id}/conversations`)).body.items[0].assignee).toEqual({ id: olga.body.id, name: 'Olga' });
    await shot(page, '2-assigned', [contact.id, dialog.id]);

    // 3. the WhatsApp invite: previewed, then sent into the Instagram chat through the connector
    await page.getByRole('button', { name: 'Invite to WhatsApp' }).click();
    const invite = page.getByRole('region', { name: 'WhatsApp invite' });
    const message = invite.getByLabel('Message to the client');
    await message.waitFor();
    const text = await message.inputValue();
    const code = /cli-[A-Z0-9]+-[A-Z0-9]+/.exec(text)?.[0];
    expect(code, `the invite names its code: ${text}`).toBeTruthy();
    expect(sentOn('instagram')).toEqual([]);
    await shot(page, '3-invite-preview', [contact.id, dialog.id]);
    await invite.getByRole('button', { name: 'Send' }).click();
    await invite.getByText(/Sent into this conversation/).waitFor();
    await expect.poll(() => sentOn('instagram'), { timeout: 10_000 }).toEqual([text]);
    expect(messengers.requests.find((r) => r.path === '/instagram/me/messages')?.json.recipient).toEqual({ id: CLIENT_ON_INSTAGRAM });
    await expect.poll(() => page.getByRole('list', { name: 'Messages' }).textContent()).toContain(' · sent');
    await shot(page, '3-invite-sent', [contact.id, dialog.id]);

    // 4. the client writes the code on WhatsApp
    const withCode = fixture('whatsapp', 'message-code').replace('cli-7KQ3-M9XT', code!);
    expect((await postRaw(ui.url() + `/v1/channels/whatsapp/${whatsapp.id}`, withCode, SIGN.whatsapp(withCode, SECRETS.whatsapp))).status).toBe(200);
    let card = contact.id;
    if (mode === 'auto') {
      await page.getByText('Instagram and WhatsApp are now one contact.').waitFor();
      await notReloaded();
      await shot(page, '4-one-contact', [contact.id, dialog.id]);
      await page.getByRole('link', { name: /^←/ }).click();
    } else {
      // nothing merged yet: the prompt to approve appears in the open dialog, live
      const approve = page.getByRole('link', { name: 'Review and approve' });
      await approve.waitFor();
      expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(2);
      await notReloaded();
      const [suggestion] = (await api('GET', '/v1/merge-suggestions?status=pending')).body.items;
      await shot(page, '4-merge-prompt', [contact.id, dialog.id, suggestion.from_contact_id, suggestion.to_contact_id]);
      await approve.click();
      await page.getByRole('region', { name: 'Preview' }).waitFor();
      await shot(page, '4-merge-preview', [suggestion.from_contact_id, suggestion.to_contact_id]);
      await page.getByRole('button', { name: 'Approve and merge' }).click();
      await page.getByRole('status').filter({ hasText: /^Merged .* into this contact\. Undo it from the history below\./ }).waitFor();
      expect((await api('GET', '/v1/contacts')).body.items).toHaveLength(1);
      card = suggestion.to_contact_id;
    }
    await page.getByRole('listitem', { name: /^WhatsApp .* dialog$/ }).waitFor();
    await page.getByRole('listitem', { name: /^Instagram .* dialog$/ }).waitFor();
    const merged = (await api('GET', `/v1/contacts/${card}`)).body;
    expect(merged.identities.map((i: { channel: string }) => i.channel).sort()).toEqual(['instagram', 'whatsapp']);

    // 5. the answer from the card: the recommended channel preselected, the other one a choice away
    const answer = page.getByRole('region', { name: 'Answer' });
    const channel = answer.getByLabel('Channel');
    expect(merged.recommended_channel).toMatch(/^(instagram|whatsapp)$/);
    expect(await channel.inputValue()).toBe(merged.recommended_channel);
    await answer.getByLabel('Message').fill('Thanks! Your order ships today.');
    await answer.getByRole('button', { name: 'Send' }).click();
    await answer.getByText(/^Sent on /).waitFor();
    await expect.poll(() => sentOn(merged.recommended_channel), { timeout: 10_000 }).toContain('Thanks! Your order ships today.');
    await shot(page, '5-answered', [card, contact.id]);

    const other = merged.recommended_channel === 'whatsapp' ? 'instagram' : 'whatsapp';
    await channel.selectOption(other);
    await answer.getByLabel('Message').fill('And here too, if you prefer.');
    await answer.getByRole('button', { name: 'Send' }).click();
    await answer.getByText(/^Sent on /).waitFor();
    await expect.poll(() => sentOn(other), { timeout: 10_000 }).toContain('And here too, if you prefer.');
    expect(sentOn(merged.recommended_channel)).not.toContain('And here too, if you prefer.');
    // the WhatsApp answer goes to the number the client wrote from
    expect(messengers.requests.filter((r) => r.path.startsWith('/whatsapp/')).map((r) => r.json.to)).toEqual(['79001234567']);
    await notReloaded();
  });
}

describe.skipIf(!ui.enabled)("seed 004: from an Instagram 'Hi' to one contact on Instagram and WhatsApp", () => {
  it('auto mode: the console says without reload that Instagram and WhatsApp are one contact, and the card answers on either', async () => {
    await seedFlow('auto');
  });

  it('manual mode: a prompt to approve the merge appears without reload, approving merges, and the card answers on either', async () => {
    await seedFlow('manual');
  });
});
