import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { webUiBuilt } from '../../src/http/web-ui.js';
import { startServer, type Api, type TestServer, type TestServerOptions } from './server.js';

// The browser tests drive Debian's Chromium (apt-get install chromium; .ci/run installs it) through
// playwright-core, which brings no browser of its own.

export const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = 'test-artifacts';

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 375, height: 812 };

/** Whether the browser tests can run here; without Chromium they are skipped, except on CI where that fails. */
function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs it with \`apt-get install -y chromium\``);
  console.warn(`Skipping the browser tests: ${CHROMIUM} is missing. Install it with \`apt-get install -y chromium\` (on CI its absence fails).`);
  return false;
}

/**
 * A real server and one Chromium for the file's tests; `enabled` is false (and the suite should skip)
 * when Chromium is missing outside CI. `serverOptions` is read when the server starts (after the file's
 * earlier beforeAll hooks, e.g. ones that start messenger stand-ins).
 */
export function browserTests(serverOptions: () => TestServerOptions = () => ({})) {
  const enabled = chromiumAvailable();
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!enabled) return;
    if (!webUiBuilt()) throw new Error('web/dist is missing: run `npm run build` (npm install runs it) before the tests');
    server = await startServer(serverOptions());
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });
  return {
    enabled,
    project: (name?: string) => server!.project(name),
    /** the server's base URL (for webhooks the test posts as a messenger would) */
    url: () => server!.url,
    /** Runs `use` on a fresh browser profile (its own sessionStorage) opened at the UI's sign-in page. */
    withPage: async (use: (page: Page) => Promise<void>, options: BrowserContextOptions = {}) => {
      const { context, page } = await openUi(browser!, server!.url, options);
      try {
        await use(page);
      } finally {
        await context.close();
      }
    },
  };
}

/** A client who wrote on a bot: the contact, its identity and conversation. */
export async function clientWrites(api: Api, botId: string, userId: string, text: string, profile: Record<string, string> = {}) {
  const answer = await api('POST', '/v1/inbound', { bot_id: botId, external_user_id: userId, text, profile });
  if (answer.status !== 200) throw new Error(`inbound failed: ${JSON.stringify(answer.body)}`);
  return answer.body as { contact_id: string; identity_id: string; conversation_id: string };
}

function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

async function openUi(browser: Browser, url: string, options: BrowserContextOptions = {}): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: DESKTOP, baseURL: url, ...options });
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

/** The elements that stick out past the window's right edge (none when the page fits its width). */
export async function overflowing(page: Page): Promise<string[]> {
  // Text, not a function: the test's TypeScript does not know the DOM; the page does.
  return (await page.evaluate(`[...document.querySelectorAll('body *')]
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
    .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '') + ': ' + (e.textContent || '').slice(0, 40))`)) as string[];
}

/** The API key the UI keeps in this page's sessionStorage, if any. */
export function storedApiKey(page: Page): Promise<unknown> {
  return page.evaluate("sessionStorage.getItem('omnimerge.api_key')");
}
