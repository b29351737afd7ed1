/**
 * Reads the development outbox: the `.eml` files the mailer writes to `<DATA_DIR>/outbox` when no
 * SMTP_URL is set. Used by the console's inbox and by `npm run outbox`; never by production code
 * paths (mailparser is loaded only when an email is read).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ParsedMail } from 'mailparser';

/** An outbox file name without `.eml`: what the mailer writes (ISO time, then the recipient). */
export const OUTBOX_ID = /^[A-Za-z0-9@._-]{1,200}$/;

export interface OutboxSummary {
  id: string;
  subject: string;
  from: string;
  to: string;
  date: string | null;
}

export interface OutboxEmail extends OutboxSummary {
  text: string;
  hasHtml: boolean;
  /** Every distinct http(s) link in the text and HTML parts, in order of appearance. */
  links: string[];
  /** Six-digit codes (one-time passwords) in the text part. */
  codes: string[];
  attachments: { index: number; filename: string; contentType: string; size: number }[];
}

const isId = (id: string) => OUTBOX_ID.test(id) && !id.includes('..');

async function parse(file: string): Promise<ParsedMail> {
  const { simpleParser } = await import('mailparser');
  return simpleParser(await readFile(file));
}

const addresses = (a: ParsedMail['to'] | ParsedMail['from']): string =>
  (Array.isArray(a) ? a : a ? [a] : []).map((x) => x.text).join(', ');

const decodeEntities = (s: string) =>
  s
    .replace(/&amp;/g, '&')
    .replace(/&#x3D;|&#61;/gi, '=')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'");

/** Distinct http(s) links of a message: text part first, then `href`s of the HTML part. */
export function extractLinks(text: string, html: string): string[] {
  const found = [
    ...(text.match(/https?:\/\/[^\s<>"'()[\]]+/g) ?? []),
    ...[...html.matchAll(/href\s*=\s*"(https?:\/\/[^"]+)"/gi)].map((m) => decodeEntities(m[1])),
  ].map((l) => l.replace(/[.,;:!?]+$/, ''));
  return [...new Set(found)];
}

/** Standalone six-digit numbers of a text (one-time passwords). */
export const extractCodes = (text: string): string[] => [
  ...new Set(text.match(/(?<![\w-])\d{6}(?![\w-])/g) ?? []),
];

function summary(id: string, mail: ParsedMail): OutboxSummary {
  return {
    id,
    subject: mail.subject ?? '',
    from: addresses(mail.from),
    to: addresses(mail.to),
    date: mail.date ? mail.date.toISOString() : null,
  };
}

/**
 * The newest emails first (file names start with the time they were written), `limit` at most,
 * after the email `before` (an id from a previous page).
 */
export async function listOutbox(
  dir: string,
  opts: { limit?: number; before?: string } = {},
): Promise<{ items: OutboxSummary[]; nextCursor: string | null }> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { items: [], nextCursor: null };
    throw err;
  }
  const limit = opts.limit ?? 50;
  const ids = names
    .filter((n) => n.endsWith('.eml'))
    .map((n) => n.slice(0, -4))
    .filter(isId)
    .sort()
    .reverse()
    .filter((id) => opts.before === undefined || id < opts.before);
  const page = ids.slice(0, limit);
  const items = await Promise.all(
    page.map(async (id) => summary(id, await parse(path.join(dir, `${id}.eml`)))),
  );
  return { items, nextCursor: ids.length > limit ? page[page.length - 1] : null };
}

async function read(dir: string, id: string): Promise<ParsedMail | undefined> {
  if (!isId(id)) return undefined;
  try {
    return await parse(path.join(dir, `${id}.eml`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** One email decoded: text, links, codes and attachment list; undefined when there is no such file. */
export async function readOutboxEmail(dir: string, id: string): Promise<OutboxEmail | undefined> {
  const mail = await read(dir, id);
  if (!mail) return undefined;
  const text = mail.text ?? '';
  const html = typeof mail.html === 'string' ? mail.html : '';
  return {
    ...summary(id, mail),
    text,
    hasHtml: Boolean(html),
    links: extractLinks(text, html),
    codes: extractCodes(text),
    attachments: mail.attachments.map((a, index) => ({
      index,
      filename: a.filename ?? `attachment-${index + 1}`,
      contentType: a.contentType,
      size: a.size,
    })),
  };
}

/** The HTML part of an email, or undefined. */
export async function readOutboxHtml(dir: string, id: string): Promise<string | undefined> {
  const mail = await read(dir, id);
  return mail && typeof mail.html === 'string' ? mail.html : undefined;
}

/** One attachment of an email, or undefined. */
export async function readOutboxAttachment(
  dir: string,
  id: string,
  index: number,
): Promise<{ filename: string; contentType: string; content: Buffer } | undefined> {
  const a = (await read(dir, id))?.attachments[index];
  return a
    ? { filename: a.filename ?? `attachment-${index + 1}`, contentType: a.contentType, content: a.content }
    : undefined;
}
