import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../../lib/paths.js';
import type { AppContext } from '../../route.js';

/**
 * The console's Content-Security-Policy: only this origin's scripts, styles and frames, no inline
 * code, never framed by another site.
 */
export const CONSOLE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The policy of an email's HTML part shown in the development inbox: no script at all (also a
 * sandbox without `allow-scripts`), inline styles as emails use them, framed only by the console.
 */
export const EMAIL_CSP =
  "default-src 'none'; img-src data: https:; style-src 'unsafe-inline'; font-src data:; form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox";

const STATIC_DIR = path.join(projectRoot, 'api', 'routes', 'console', 'static');

const TYPES: Record<string, string> = {
  '.js': 'application/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
};

/** The files the console serves, by name; nothing else in the folder is reachable. */
export const CONSOLE_ASSETS = ['console.js', 'console.css', 'verify-email.js'] as const;

const cache = new Map<string, Buffer>();

async function load(name: string): Promise<Buffer> {
  let body = cache.get(name);
  if (!body) {
    body = await readFile(path.join(STATIC_DIR, name));
    cache.set(name, body);
  }
  return body;
}

/** Security headers of every console response (HTML pages, assets, inbox parts). */
export function setConsoleHeaders(ctx: AppContext, csp = CONSOLE_CSP): void {
  ctx.set('Content-Security-Policy', csp);
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  if (csp === CONSOLE_CSP) ctx.set('X-Frame-Options', 'DENY');
}

/** Answers with one of the static files (the HTML shells or an asset in {@link CONSOLE_ASSETS}). */
export async function sendStatic(ctx: AppContext, name: string): Promise<void> {
  setConsoleHeaders(ctx);
  ctx.type = TYPES[path.extname(name)] ?? 'application/octet-stream';
  // Pages are small and change with releases; no stale console after a deploy.
  ctx.set('Cache-Control', 'no-cache');
  ctx.body = await load(name);
}
