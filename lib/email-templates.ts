import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import type Mjml from 'mjml';
import { projectRoot } from './paths.js';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const templatesDir = path.join(projectRoot, 'templates');

interface Compiled {
  subject: Handlebars.TemplateDelegate;
  /** The template's HTML, compiled from MJML once; only the Handlebars variables remain. */
  html: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
  /** The Handlebars-over-MJML source, for {@link renderEmailUncached}. */
  mjml: Handlebars.TemplateDelegate;
}

const cache = new Map<string, Promise<Compiled>>();
let partialsLoaded: Promise<Map<string, string>> | undefined;
const textEngine = Handlebars.create();
const htmlEngine = Handlebars.create();

async function partials(): Promise<Map<string, string>> {
  partialsLoaded ??= (async () => {
    const found = new Map<string, string>();
    const dir = path.join(templatesDir, 'partials');
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      if (file.endsWith('.mjml'))
        found.set(path.basename(file, '.mjml'), await readFile(path.join(dir, file), 'utf8'));
    }
    return found;
  })();
  return partialsLoaded;
}

/** MJML components whose content is passed through as HTML; anything else holds only components. */
const PASS_THROUGH = new Set([
  'mj-text',
  'mj-button',
  'mj-table',
  'mj-raw',
  'mj-title',
  'mj-preview',
  'mj-style',
  'mj-navbar-link',
  'mj-accordion-title',
  'mj-accordion-text',
  'mj-social-element',
]);
const STANDALONE_BLOCK = /^\{\{\s*(?:[#/^]|else\b)/;

/**
 * MJML, loaded at the first compilation: templates are compiled by whoever sends email (the
 * worker), and importing mjml costs ≈ 55 MB of RSS that a web process would otherwise carry.
 */
async function mjml2html(...args: Parameters<typeof Mjml>): Promise<ReturnType<typeof Mjml>> {
  const { default: mjml } = await import('mjml');
  return mjml(...args);
}

/**
 * Turns a Handlebars-over-MJML template into a Handlebars-over-HTML one by running MJML once:
 * partials are inlined, every `{{…}}` is swapped for an inert marker that MJML copies through, and
 * swapped back afterwards. A block tag (`{{#if}}`, `{{else}}`, `{{/each}}`) standing between
 * components is wrapped in `<mj-raw>` so MJML keeps it in place. Rendering an email then costs a
 * Handlebars call instead of an MJML compilation (≈ 3.5 ms each); test/lib/email-templates.test.ts
 * checks that both give the same HTML for every template.
 */
async function precompile(name: string, source: string): Promise<string> {
  const marks: string[] = [];
  const open: string[] = [];
  const tag = /<(\/?)(mj-[a-z-]+)\b[^>]*?(\/?)>|\{\{\{?[\s\S]*?\}?\}\}/g;
  let masked = '';
  let last = 0;
  for (let m = tag.exec(source); m; m = tag.exec(source)) {
    masked += source.slice(last, m.index);
    last = tag.lastIndex;
    if (m[2]) {
      if (m[1]) open.splice(open.lastIndexOf(m[2]));
      else if (!m[3]) open.push(m[2]);
      masked += m[0];
      continue;
    }
    marks.push(m[0]);
    const marker = `hbsmark${marks.length - 1}x`;
    const parent = open[open.length - 1];
    masked +=
      STANDALONE_BLOCK.test(m[0]) && parent && !PASS_THROUGH.has(parent)
        ? `<mj-raw>${marker}</mj-raw>`
        : marker;
  }
  masked += source.slice(last);
  const { html, errors } = await mjml2html(masked, { validationLevel: 'strict' });
  if (errors.length) throw new Error(`template ${name}: ${errors.map((e) => e.formattedMessage).join('; ')}`);
  return html.replace(/hbsmark(\d+)x/g, (_, i: string) => marks[Number(i)]);
}

async function compile(name: string): Promise<Compiled> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid template name ${name}`);
  const [parts, mjmlSrc, textSrc] = await Promise.all([
    partials(),
    readFile(path.join(templatesDir, 'emails', `${name}.mjml`), 'utf8'),
    readFile(path.join(templatesDir, 'emails', `${name}.txt`), 'utf8'),
  ]);
  const m = /^Subject:\s*(.+)\r?\n\r?\n?/.exec(textSrc);
  if (!m) throw new Error(`templates/emails/${name}.txt must start with "Subject: …" and a blank line`);
  const source = mjmlSrc.replace(/\{\{>\s*([a-z0-9_-]+)\s*\}\}/g, (whole, p: string) => {
    const partial = parts.get(p);
    if (partial === undefined) throw new Error(`template ${name}: unknown partial ${p}`);
    return partial;
  });
  return {
    subject: textEngine.compile(m[1].trim(), { noEscape: true, strict: false }),
    html: htmlEngine.compile(await precompile(name, source)),
    text: textEngine.compile(textSrc.slice(m[0].length), { noEscape: true }),
    mjml: htmlEngine.compile(source),
  };
}

function compiled(name: string): Promise<Compiled> {
  let c = cache.get(name);
  if (!c) {
    c = compile(name);
    cache.set(name, c);
    c.catch(() => cache.delete(name));
  }
  return c;
}

/** Lists the template names in templates/emails. */
export async function listTemplates(): Promise<string[]> {
  const files = await readdir(path.join(templatesDir, 'emails'));
  return files
    .filter((f) => f.endsWith('.mjml'))
    .map((f) => path.basename(f, '.mjml'))
    .sort();
}

/**
 * Renders template `name` with `vars` into subject, HTML and plain text. Each template is compiled
 * once per process (MJML to HTML, then Handlebars); an email costs only the variable substitution.
 */
export async function renderEmail(name: string, vars: Record<string, unknown>): Promise<RenderedEmail> {
  const c = await compiled(name);
  return { subject: c.subject(vars).replace(/\s+/g, ' ').trim(), html: c.html(vars), text: c.text(vars) };
}

/**
 * The same email with MJML run on this email's own Handlebars output, as every send once did:
 * the reference {@link renderEmail} is checked against.
 */
export async function renderEmailUncached(
  name: string,
  vars: Record<string, unknown>,
): Promise<RenderedEmail> {
  const c = await compiled(name);
  const { html, errors } = await mjml2html(c.mjml(vars), { validationLevel: 'strict' });
  if (errors.length) throw new Error(`template ${name}: ${errors.map((e) => e.formattedMessage).join('; ')}`);
  return { subject: c.subject(vars).replace(/\s+/g, ' ').trim(), html, text: c.text(vars) };
}
