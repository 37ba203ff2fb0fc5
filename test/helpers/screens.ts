import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { DESKTOP, PHONE, screenshot } from './browser.js';

/** A screen that scrolls sideways is unreadable on a phone: the page may not be wider than its viewport. */
export async function expectNoSidewaysScroll(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  expect(scrollWidth, `the page is ${scrollWidth - clientWidth}px wider than the screen`).toBeLessThanOrEqual(clientWidth);
}

/** Operators read names, not ids: no visible text may contain one of the given raw ids. */
export async function expectNoRawIds(page: Page, ids: string[]): Promise<void> {
  const text = await page.locator('body').innerText();
  for (const id of ids) expect(text, `the screen shows the raw id ${id}`).not.toContain(id);
}

/**
 * The screen at desktop width and at 375 px: each fits without sideways scroll, names nobody by a raw id, and
 * is kept as a screenshot (`<name>-desktop.png`, `<name>-375.png` in test-artifacts/).
 */
export async function atBothWidths(page: Page, name: string, ids: string[] = []): Promise<void> {
  for (const [size, viewport] of [['desktop', DESKTOP], ['375', PHONE]] as const) {
    await page.setViewportSize(viewport);
    await expectNoSidewaysScroll(page);
    await expectNoRawIds(page, ids);
    await screenshot(page, `${name}-${size}`);
  }
  await page.setViewportSize(DESKTOP);
}
