import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// The browser tests drive Debian's Chromium (apt-get install chromium; .ci/run installs it) through
// playwright-core, which brings no browser of its own.

export const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };

/** Whether the browser tests can run here; without Chromium they are skipped, except on CI where that fails. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with \`apt-get install -y chromium\``);
  console.warn(`Skipping the browser tests: ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (on CI its absence fails).`);
  return false;
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A fresh browser profile (its own sessionStorage) on the UI's sign-in page. */
export async function openUi(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: url });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.goto('/sign-in');
  return { context, page };
}

export async function signIn(page: Page, apiKey: string): Promise<void> {
  await page.getByLabel('API key').fill(apiKey);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Contacts' }).waitFor();
}

/** A screenshot of the whole page, kept in test-artifacts/ (git-ignored) as the test's artifact. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true });
}

/** Whether the page fits the window's width without a horizontal scroll bar. */
export function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
}
