import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import Handlebars from 'handlebars';
import mjml2html from 'mjml';
import { projectRoot } from './paths.js';

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const templatesDir = path.join(projectRoot, 'templates');

interface Compiled {
  subject: Handlebars.TemplateDelegate;
  mjml: Handlebars.TemplateDelegate;
  text: Handlebars.TemplateDelegate;
}

const cache = new Map<string, Promise<Compiled>>();
let partialsLoaded: Promise<typeof Handlebars> | undefined;
const textEngine = Handlebars.create();

async function engine(): Promise<typeof Handlebars> {
  partialsLoaded ??= (async () => {
    const hb = Handlebars.create();
    const dir = path.join(templatesDir, 'partials');
    for (const file of await readdir(dir).catch(() => [] as string[])) {
      if (file.endsWith('.mjml')) {
        hb.registerPartial(path.basename(file, '.mjml'), await readFile(path.join(dir, file), 'utf8'));
      }
    }
    return hb;
  })();
  return partialsLoaded;
}

async function compile(name: string): Promise<Compiled> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`invalid template name ${name}`);
  const hb = await engine();
  const [mjmlSrc, textSrc] = await Promise.all([
    readFile(path.join(templatesDir, 'emails', `${name}.mjml`), 'utf8'),
    readFile(path.join(templatesDir, 'emails', `${name}.txt`), 'utf8'),
  ]);
  const m = /^Subject:\s*(.+)\r?\n\r?\n?/.exec(textSrc);
  if (!m) throw new Error(`templates/emails/${name}.txt must start with "Subject: …" and a blank line`);
  return {
    subject: textEngine.compile(m[1].trim(), { noEscape: true, strict: false }),
    mjml: hb.compile(mjmlSrc),
    text: textEngine.compile(textSrc.slice(m[0].length), { noEscape: true }),
  };
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
 * Renders template `name` with `vars` into subject, HTML (Handlebars, then MJML) and plain text.
 * Compiled templates are cached per process.
 */
export async function renderEmail(name: string, vars: Record<string, unknown>): Promise<RenderedEmail> {
  let compiled = cache.get(name);
  if (!compiled) {
    compiled = compile(name);
    cache.set(name, compiled);
    compiled.catch(() => cache.delete(name));
  }
  const c = await compiled;
  const { html, errors } = await mjml2html(c.mjml(vars), { validationLevel: 'strict' });
  if (errors.length) throw new Error(`template ${name}: ${errors.map((e) => e.formattedMessage).join('; ')}`);
  return { subject: c.subject(vars).replace(/\s+/g, ' ').trim(), html, text: c.text(vars) };
}
