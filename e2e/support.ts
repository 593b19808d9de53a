/** What every browser test needs: the app listening on a free port, a headless system Chromium, signing in. */
import { expect, onTestFailed } from 'vitest';
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
  watchForFailure(page, username);
  await page.goto(`${base}/login`);
  await page.getByTestId('login-username').fill(username);
  await page.getByTestId('login-password').fill(PASSWORD);
  await page.getByTestId('login-submit').click();
  await page.waitForURL((u) => !u.pathname.startsWith('/login'));
  return page;
}

let failures = 0;

/**
 * Should the test fail, what the page went through is printed with the failure (its script errors, console
 * errors and refused API calls) and a screenshot is kept (e2e/.fail-N.png): a failure that only shows on a
 * loaded machine can then be understood from the log of the run it happened in.
 */
function watchForFailure(page: Page, username: string) {
  const seen: string[] = [];
  const note = (line: string) => { if (seen.length < 50) seen.push(`${new Date().toISOString().slice(11, 23)} ${line}`); };
  page.on('pageerror', (err) => note(`page error: ${err.message}`));
  page.on('console', (m) => { if (m.type() === 'error') note(`console: ${m.text()}`); });
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname.startsWith('/api/')) {
      void r.text().then((body) => note(`${r.request().method()} ${new URL(r.url()).pathname} → ${r.status()} ${body.slice(0, 300)}`), () => {});
    }
  });
  onTestFailed(async () => {
    if (page.isClosed()) return;
    const file = `e2e/.fail-${++failures}.png`;
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    console.error(`[${username}] at ${page.url()} (screenshot ${file})\n${seen.join('\n') || '(no page errors, console errors or refused API calls)'}`);
  });
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
