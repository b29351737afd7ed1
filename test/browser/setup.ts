/**
 * Root hooks of the browser suite (`npm run test:browser`), run after test/setup.ts has started the
 * database, SMTP inbox, worker and API: one headless Debian Chromium, driven by playwright-core.
 * Screenshots go to test/artifacts/ (not committed).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { projectRoot } from '../../lib/paths.js';

export const ARTIFACTS = path.join(projectRoot, 'test', 'artifacts');

/** Flags for Chromium in a container without network: no sandbox (root), no GPU, no phoning home. */
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let browser: Browser | undefined;

function chromiumPath(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) return fromEnv;
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get install -y chromium (or set CHROMIUM_PATH)');
  }
}

/**
 * A fresh browser context (its own cookies and storage, as a new profile would have) with one page;
 * 1280×800 unless told otherwise.
 */
export async function newPage(
  viewport = { width: 1280, height: 800 },
): Promise<{ context: BrowserContext; page: Page }> {
  if (!browser) throw new Error('the browser has not started');
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' });
  const page = await context.newPage();
  // Any script error or CSP violation in the console fails the test that caused it.
  const problems: string[] = [];
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !/Failed to load resource/.test(msg.text())) problems.push(msg.text());
  });
  (page as Page & { problems?: string[] }).problems = problems;
  return { context, page };
}

/** Script errors and CSP violations a page reported so far. */
export const problemsOf = (page: Page): string[] => (page as Page & { problems?: string[] }).problems ?? [];

/** Saves a full-page screenshot as test/artifacts/<name>.png and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(60_000);
    mkdirSync(ARTIFACTS, { recursive: true });
    // playwright gives every launch a fresh temporary profile (user-data-dir) and removes it on close.
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ARGS, headless: true });
  },
  async afterAll() {
    await browser?.close();
  },
};
