/** What every browser test needs: the app listening on a free port, a headless system Chromium, signing in. */
import { expect } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestContext } from '../server/test/context.ts';
import { PASSWORD } from '../server/test/fixtures.ts';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Starts the test context's app on 127.0.0.1 and launches Debian's Chromium (never a downloaded one). */
export async function openBrowser(ctx: TestContext): Promise<{ base: string; browser: Browser }> {
  await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const base = `http://127.0.0.1:${(ctx.app.server.address() as { port: number }).port}`;
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return { base, browser };
}

export type PageOptions = { locale?: string; timezoneId?: string; viewport?: { width: number; height: number } };

/** A new page signed in as `username` (the fixtures' password), past the login page. */
export async function signInAs(browser: Browser, base: string, username: string, options: PageOptions = {}): Promise<Page> {
  const page = await browser.newPage({ locale: 'zh-CN', ...options });
  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

/**
 * Picks an option of an antd Select and checks it took. On a loaded machine a click can land while the
 * dropdown is still animating in, or the dropdown can close under the pointer; each step then gets a short
 * timeout and the whole pick is retried, so the form does not fail for a reason the test is not about.
 */
export async function choose(page: Page, testId: string, option: string) {
  for (let attempt = 1; ; attempt++) {
    try {
      const dropdown = page.locator('.ant-select-dropdown:visible');
      if (!(await dropdown.count())) await page.getByTestId(testId).click({ timeout: 5000 });
      await dropdown.locator('.ant-select-item-option', { hasText: option }).first().click({ timeout: 5000 });
      await expect.poll(() => page.getByTestId(testId).textContent(), { timeout: 5000 }).toContain(option);
      return;
    } catch (err) {
      // No Escape here: inside a modal it would close the form. The next round reopens the dropdown if it closed.
      if (attempt === 4) throw err;
    }
  }
}
