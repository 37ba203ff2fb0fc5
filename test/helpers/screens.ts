import type { Page } from 'playwright-core';
import { expect } from 'vitest';

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
