import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { expect } from 'chai';
import { listTemplates, renderEmail, renderEmailUncached } from '../../lib/email-templates.js';
import { projectRoot } from '../../lib/paths.js';

/** Whitespace between tags and runs of spaces do not change what a mail client shows. */
const normal = (html: string) => html.replace(/\s+/g, ' ').replace(/> </g, '><').trim();

/** Every sample with truthy flags off and every string turned into markup that must be escaped. */
function variants(sample: Record<string, unknown>): Record<string, unknown>[] {
  const hostile = Object.fromEntries(
    Object.entries(sample).map(([k, v]) => [k, typeof v === 'string' ? `${v} <b>&"'</b> {{x}}` : v]),
  );
  const flipped = Object.fromEntries(
    Object.entries(sample).map(([k, v]) => [
      k,
      typeof v === 'boolean' ? !v : Array.isArray(v) ? [] : k === 'reason' ? undefined : v,
    ]),
  );
  return [sample, hostile, flipped];
}

describe('email templates compiled once', () => {
  it('render the same HTML, text and subject as running MJML on every email, for every template', async () => {
    const samples = JSON.parse(
      await readFile(path.join(projectRoot, 'templates', 'samples.json'), 'utf8'),
    ) as Record<string, Record<string, unknown>>;
    const names = await listTemplates();
    expect(names.length).to.be.greaterThan(10);
    for (const name of names) {
      for (const vars of variants(samples[name]!)) {
        const fast = await renderEmail(name, vars);
        const slow = await renderEmailUncached(name, vars);
        expect(normal(fast.html), `${name} HTML`).to.equal(normal(slow.html));
        expect(fast.text, `${name} text`).to.equal(slow.text);
        expect(fast.subject, `${name} subject`).to.equal(slow.subject);
        expect(fast.html).to.not.match(/hbsmark\d/);
      }
    }
  });

  it('escapes variables in the HTML part', async () => {
    const email = await renderEmail('system_notification', {
      clinicName: 'C',
      appUrl: 'https://c.example',
      recipientName: '<script>x</script>',
      title: 'T',
      body: 'B',
    });
    expect(email.html).to.contain('&lt;script&gt;x&lt;/script&gt;');
    expect(email.html).to.not.contain('<script>x');
  });
});
