import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { chromium } from 'playwright-core';
import { createApp } from '../../api/app.js';
import { services } from '../../lib/services.js';
import { createUser } from '../helpers/factories.js';
import { request } from '../helpers/http.js';
import { testContext } from '../helpers/context.js';

/** The directives of a Content-Security-Policy header, by name. */
function directives(csp: string | null): Record<string, string> {
  expect(csp, 'Content-Security-Policy header').to.be.a('string');
  return Object.fromEntries(
    csp!
      .split(';')
      .map((d) => d.trim())
      .filter(Boolean)
      .map((d) => {
        const [name, ...values] = d.split(/\s+/);
        return [name!, values.join(' ')];
      }),
  );
}

function chromiumPath(): string | undefined {
  try {
    return execFileSync('which', ['chromium'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

describe('security headers', () => {
  it('sends X-Content-Type-Options: nosniff on every response: JSON, errors, 404, docs, health', async () => {
    const user = await createUser('patient');
    const responses = await Promise.all([
      request('GET', '/users/me', { token: user.token }),
      request('GET', '/users/me'),
      request('GET', '/api/v1/no-such-route'),
      request('GET', '/openapi.json'),
      request('GET', '/docs'),
      request('GET', '/healthz'),
    ]);
    expect(responses.map((r) => r.status)).to.deep.equal([200, 401, 404, 200, 200, 200]);
    for (const r of responses) expect(r.headers.get('x-content-type-options')).to.equal('nosniff');
  });

  it("serves /docs with a CSP that only runs the page's own scripts and forbids framing", async () => {
    const res = await request('GET', '/docs');
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const csp = directives(res.headers.get('content-security-policy'));
    expect(csp['frame-ancestors']).to.equal("'none'");
    expect(csp['script-src']).to.equal("'self'");
    expect(csp['object-src']).to.equal("'none'");
    expect(res.headers.get('x-frame-options')).to.equal('DENY');
    // The page has no inline script (script-src 'self' would block it); its scripts load from here.
    expect(res.text).to.not.match(/<script>(?!<\/script>)/);
    const scripts = [...res.text.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
    expect(scripts).to.have.length.greaterThan(0);
    for (const src of scripts) {
      expect(src.startsWith('/'), `${src} is same-origin`).to.equal(true);
      const asset = await request('GET', src);
      expect(asset.status, src).to.equal(200);
      expect(asset.headers.get('content-type')).to.match(/javascript/);
    }
  });

  it('sends no HSTS when APP_URL is http, and HSTS when it is https', async () => {
    expect(testContext().config.appUrl.startsWith('http:')).to.equal(true);
    expect((await request('GET', '/healthz')).headers.get('strict-transport-security')).to.equal(null);
    const server: Server = createApp({
      logger: services().logger,
      appUrl: 'https://clinic.example',
      routes: [],
    }).listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/openapi.json`);
      expect(res.headers.get('strict-transport-security')).to.match(/max-age=\d{7,}/);
      expect(res.headers.get('x-content-type-options')).to.equal('nosniff');
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('renders /docs in a real browser under its CSP (no violations, the operations are listed)', async function () {
    const executablePath = chromiumPath();
    if (!executablePath) this.skip();
    this.timeout(120_000);
    const profile = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-chromium-'));
    const browser = await chromium.launchPersistentContext(profile, {
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const violations: string[] = [];
      page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) violations.push(msg.text());
      });
      await page.goto(`${testContext().baseUrl}/docs`);
      // Swagger UI parses the whole document (about 1 MB) and renders operations as they come into
      // view: the first operations on screen show that the page works under its CSP.
      await page.locator('.opblock').nth(1).waitFor({ timeout: 90_000 });
      expect(await page.locator('.opblock-tag').count()).to.be.greaterThan(0);
      expect(violations).to.deep.equal([]);
    } finally {
      await browser.close();
      rmSync(profile, { recursive: true, force: true });
    }
  });
});
