/**
 * `npm run emails:preview`: renders every template in templates/emails with templates/samples.json
 * into `.data/email-previews/<name>.html` and `.txt`, to look at in a browser.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { listTemplates, renderEmail } from '../lib/email-templates.js';
import { projectRoot } from '../lib/paths.js';

const outDir = path.join(projectRoot, '.data', 'email-previews');
const samples = JSON.parse(
  await readFile(path.join(projectRoot, 'templates', 'samples.json'), 'utf8'),
) as Record<string, Record<string, unknown>>;
await mkdir(outDir, { recursive: true });
for (const name of await listTemplates()) {
  const vars = samples[name];
  if (!vars) throw new Error(`templates/samples.json has no sample for ${name}`);
  const email = await renderEmail(name, vars);
  await writeFile(path.join(outDir, `${name}.html`), email.html);
  await writeFile(path.join(outDir, `${name}.txt`), `Subject: ${email.subject}\n\n${email.text}`);
  console.log(`${name}: ${email.subject}`);
}
console.log(`\nPreviews written to ${outDir}`);
