import { describe, expect, it } from 'vitest';
import { browserTests, DESKTOP, overflowing, PHONE, screenshot } from './helpers/browser.js';
import { connectBot, type Api } from './helpers/server.js';

// docs/links.md "One link for every messenger": the page a client opens from an e-mail, an SMS or a printed
// QR code, in Chromium on a 375 px phone and on a desktop. Screenshots go to test-artifacts/ (the ones in
// docs/images/ are copies of them).

const PUBLIC_URL = 'https://crm.example.com';
const ui = browserTests(() => ({ publicUrl: PUBLIC_URL }));

async function landingPath(api: Api): Promise<string> {
  const contact = (await api('POST', '/v1/contacts', { name: 'Ann' })).body;
  await connectBot(api, 'telegram', 'flower_shop_bot');
  await connectBot(api, 'whatsapp', '+1 555 078 3881');
  await connectBot(api, 'instagram', 'flowershop');
  await connectBot(api, 'viber', 'flowershop');
  const link = await api('POST', `/v1/contacts/${contact.id}/landing-link`, { tag: 'Welcome!' });
  expect(link.status).toBe(201);
  return link.body.url.slice(PUBLIC_URL.length);
}

describe.skipIf(!ui.enabled)('the "choose your messenger" page in a browser', () => {
  it('fits a 375 px phone with one button per messenger, each linking to its choice, and no QR code — with JavaScript off', async () => {
    const { api } = await ui.project('Flower Shop');
    const path = await landingPath(api);
    await ui.withPage(async (page) => {
      await page.setViewportSize(PHONE);
      await page.goto(path);
      await page.getByRole('heading', { name: 'Choose your messenger' }).waitFor();
      const buttons = page.getByRole('list', { name: 'Messengers' }).getByRole('link');
      expect(await buttons.allTextContents()).toEqual(['Telegram', 'WhatsApp', 'Instagram', 'Viber']);
      // the page links relatively (it may be served under a path prefix): read the targets as the browser resolves them
      const hrefs = await Promise.all((await buttons.all()).map(async (b) => new URL((await b.evaluate((a) => (a as unknown as { href: string }).href)) as string).pathname));
      expect(hrefs).toEqual(['telegram', 'whatsapp', 'instagram', 'viber'].map((channel) => `${path}/${channel}`));
      expect(await page.getByRole('figure', { name: 'QR code of this page' }).isVisible()).toBe(false);
      expect(await overflowing(page)).toEqual([]);
      await screenshot(page, 'landing-phone');

      await page.getByRole('link', { name: 'WhatsApp' }).click();
      await page.getByRole('heading', { name: 'Continue in WhatsApp' }).waitFor();
      const code = (await page.getByLabel('Message to send').textContent())!;
      expect(code).toMatch(/^cli-[2-9A-Z]{5}-[2-9A-Z]{5}$/);
      expect(await page.getByRole('link', { name: 'Open WhatsApp' }).getAttribute('href')).toBe(`https://wa.me/15550783881?text=${code}`);
      expect(await overflowing(page)).toEqual([]);
      await screenshot(page, 'landing-code');

      await page.getByRole('link', { name: 'Choose another messenger' }).click();
      await page.getByRole('link', { name: 'Instagram' }).click();
      await page.getByText('Open Instagram and send us this message:').waitFor();
      expect(await page.getByRole('link', { name: 'Open Instagram' }).getAttribute('href')).toMatch(/^https:\/\/ig\.me\/m\/flowershop\?ref=m-[\w-]{32}$/);
    }, { javaScriptEnabled: false, viewport: PHONE });
  });

  it('shows a QR code of its own address on a desktop', async () => {
    const { api } = await ui.project('Flower Shop');
    const path = await landingPath(api);
    await ui.withPage(async (page) => {
      await page.setViewportSize(DESKTOP);
      await page.goto(path);
      const qr = page.getByRole('figure', { name: 'QR code of this page' });
      await qr.waitFor();
      const box = (await qr.locator('svg').boundingBox())!;
      expect(box.width).toBeGreaterThan(150);
      await screenshot(page, 'landing-desktop');
    });
  });

  it('says in plain words, on a phone, that an unknown link does not exist', async () => {
    await ui.withPage(async (page) => {
      await page.setViewportSize(PHONE);
      const response = await page.goto('/l/AZJiVnhFd4C5ZZHzHaNWbQAAAAAAAAAAAAAAAAAAAAAA');
      expect(response!.status()).toBe(404);
      await page.getByRole('heading', { name: 'This link does not exist' }).waitFor();
      await screenshot(page, 'landing-unknown');
    });
  });
});
