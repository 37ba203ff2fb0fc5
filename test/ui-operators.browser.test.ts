import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserTests, clientWrites, storedApiKey } from './helpers/browser.js';
import { atBothWidths } from './helpers/screens.js';
import { connectBot, type Api } from './helpers/server.js';

// Operators in a real browser: signing in by e-mail and password, "Assign to myself" and "Mine", and live
// updates over the tab's one event stream (the server ends streams every 3 s here, so the tests also
// see the connection come back). Screenshots at desktop size and 375 px go to test-artifacts/.

const ui = browserTests(() => ({ live: { pollMs: 200, maxMs: 3000 } }));

const PASSWORD = 'a long enough password';

async function operator(api: Api, projectId: string, name: string): Promise<{ id: string; email: string }> {
  const email = `${name.toLowerCase()}-${projectId}@example.com`;
  const created = await api('POST', '/v1/operators', { email, name, password: PASSWORD });
  expect(created.status).toBe(201);
  return { id: created.body.id, email };
}

async function signInAs(page: Page, email: string): Promise<void> {
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Contacts' }).waitFor();
}


describe.skipIf(!ui.enabled)('operators in Chromium', () => {
  it('signs an operator in with e-mail and password, names them in the header, and says a wrong password in words', async () => {
    const { api, projectId } = await ui.project();
    const olga = await operator(api, projectId, 'Olga');
    await ui.withPage(async (page) => {
      await atBothWidths(page, 'operator-sign-in');
      await page.getByLabel('E-mail').fill(olga.email);
      await page.getByLabel('Password').fill('not the password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      const alert = page.getByRole('alert');
      await expect.poll(() => alert.textContent()).toContain('The e-mail or password is wrong.');
      expect(await alert.textContent()).not.toMatch(/`|\(/);
      await atBothWidths(page, 'operator-sign-in-wrong-password');

      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Contacts' }).waitFor();
      expect(await page.locator('.signed-in-as').textContent()).toBe('Olga');
      expect(await storedApiKey(page)).toBeNull();
      expect(await page.evaluate('JSON.stringify(sessionStorage) + JSON.stringify(localStorage) + document.cookie')).not.toContain(projectId);

      // the session survives a reload: it is the cookie, not the page
      await page.reload();
      await page.getByRole('heading', { name: 'Contacts' }).waitFor();
      await atBothWidths(page, 'operator-signed-in', [olga.id, projectId]);
    });
  });

  it('assigns a dialog to myself, shows who it is assigned to, and lists it under Mine', async () => {
    const { api, projectId } = await ui.project();
    const olga = await operator(api, projectId, 'Olga');
    const bot = await connectBot(api, 'telegram', 'shop_bot');
    const anna = await clientWrites(api, bot.id, '5001', 'Where is my parcel?', { name: 'Anna Petrova' });
    await ui.withPage(async (page) => {
      await signInAs(page, olga.email);
      await page.goto(`/contacts/${anna.contact_id}/conversations/${anna.conversation_id}`);
      await page.getByText('Not assigned').waitFor();
      // from here on the tab moves between screens without reloading: never more than one stream open
      let open = 0;
      let most = 0;
      const isStream = (url: string) => url.includes('/v1/events/stream');
      page.on('request', (request) => {
        if (isStream(request.url())) most = Math.max(most, ++open);
      });
      const closed = (request: { url(): string }) => {
        if (isStream(request.url())) open--;
      };
      page.on('requestfinished', closed);
      page.on('requestfailed', closed);
      await page.getByRole('button', { name: 'Assign to myself' }).click();
      await page.getByText('Assigned to you (Olga)').waitFor();
      const stored = await api('GET', `/v1/contacts/${anna.contact_id}/conversations`);
      expect(stored.body.items[0].assignee).toEqual({ id: olga.id, name: 'Olga' });
      await atBothWidths(page, 'dialog-assigned', [olga.id, anna.contact_id, anna.conversation_id]);

      await page.getByRole('link', { name: 'Mine' }).click();
      await page.getByRole('heading', { name: 'Mine' }).waitFor();
      await page.getByRole('link', { name: /Anna Petrova/ }).waitFor();
      expect(await page.locator('.list.mine').textContent()).toContain('Where is my parcel?');
      await atBothWidths(page, 'mine', [olga.id, anna.contact_id, anna.conversation_id]);

      await page.getByRole('link', { name: /Anna Petrova/ }).click();
      await page.getByRole('button', { name: 'Unassign' }).click();
      await page.getByText('Not assigned').waitFor();
      expect(most, 'live streams open at once in one tab').toBeLessThanOrEqual(1);
    });
  });

  it('shows a new message in the open dialog without reload, and keeps doing so after the server drops the stream', async () => {
    const { api, projectId } = await ui.project();
    const olga = await operator(api, projectId, 'Olga');
    const bot = await connectBot(api, 'telegram', 'shop_bot');
    const anna = await clientWrites(api, bot.id, '6001', 'First question', { name: 'Anna Petrova' });
    await ui.withPage(async (page) => {
      await signInAs(page, olga.email);
      await page.goto(`/contacts/${anna.contact_id}/conversations/${anna.conversation_id}`);
      await page.getByText('First question').waitFor();
      const live = page.locator('.live-state');
      await expect.poll(() => live.textContent()).toContain('Live');

      await clientWrites(api, bot.id, '6001', 'Are you there?');
      await page.getByText('Are you there?').waitFor();

      // the server ends streams after 3 s here: the header says so, then the stream is back
      await page.waitForFunction("document.querySelector('.live-state')?.textContent?.includes('Reconnecting')", undefined, { timeout: 8000, polling: 50 });
      await expect.poll(() => live.textContent(), { timeout: 8000 }).toContain('Live');
      await clientWrites(api, bot.id, '6001', 'Hello again after the reconnect');
      await page.getByText('Hello again after the reconnect').waitFor();
      await atBothWidths(page, 'live-dialog', [anna.contact_id, anna.conversation_id]);
    });
  });

  it('shows a merge on the open contact card and a new suggestion on the suggestions screen without reload', async () => {
    const { api, projectId } = await ui.project();
    const olga = await operator(api, projectId, 'Olga');
    const telegram = await connectBot(api, 'telegram', 'shop_bot');
    const whatsapp = await connectBot(api, 'whatsapp', '+4915100000000');
    const anna = await clientWrites(api, telegram.id, '7001', 'hi', { name: 'Anna Petrova' });
    const other = await clientWrites(api, whatsapp.id, '491512345678', 'hello from WhatsApp', { name: 'Anna P' });
    await ui.withPage(async (page) => {
      await signInAs(page, olga.email);
      await page.goto(`/contacts/${anna.contact_id}`);
      await page.getByRole('heading', { name: 'Anna Petrova' }).waitFor();
      await expect.poll(() => page.locator('.live-state').textContent()).toContain('Live');
      expect((await api('POST', '/v1/contacts/merge', { from_contact_id: other.contact_id, to_contact_id: anna.contact_id })).status).toBe(200);
      await page.getByRole('listitem', { name: /WhatsApp .* dialog/ }).waitFor();
      await atBothWidths(page, 'live-contact-merged', [anna.contact_id, other.contact_id]);

      await api('PUT', '/v1/settings', { merge_mode: 'manual' });
      expect((await api('POST', '/v1/merge-rules', { fields: ['email'] })).status).toBe(201);
      await page.getByRole('link', { name: 'Suggestions' }).click();
      await page.getByRole('heading', { name: 'Merge suggestions' }).waitFor();
      const before = await page.locator('main').innerText();
      const boris = await clientWrites(api, telegram.id, '7002', 'hi', { name: 'Boris' });
      await api('PATCH', `/v1/contacts/${boris.contact_id}`, { email: 'boris@example.com' });
      const borisToo = await clientWrites(api, whatsapp.id, '491700000002', 'hi', { name: 'Boris K' });
      await api('PATCH', `/v1/contacts/${borisToo.contact_id}`, { email: 'boris@example.com' });
      const suggested = await api('GET', '/v1/merge-suggestions?status=pending');
      expect(suggested.body.items).toHaveLength(1);
      await expect.poll(async () => page.locator('main').innerText(), { timeout: 8000 }).not.toBe(before);
      await expect.poll(async () => page.locator('main').innerText()).toContain('Boris');
      await atBothWidths(page, 'live-suggestion', [boris.contact_id, borisToo.contact_id]);
    });
  });
});
