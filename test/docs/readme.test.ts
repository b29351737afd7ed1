import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { WALKTHROUGH_REQUESTS } from '../../bin/walkthrough.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');

/** Every variable lib/config.ts reads (`int(env, 'PORT', …)`, `str(env, 'SMTP_URL')`, …). */
function configVariables(): string[] {
  const names = [...read('lib/config.ts').matchAll(/\(env, '([A-Z][A-Z0-9_]*)'/g)].map((m) => m[1]);
  return [...new Set(names)].sort();
}

/** The curl requests of the README's walkthrough block as `METHOD /path` with `:id` for variables. */
function readmeRequests(readme: string): string[] {
  const block = /<!-- walkthrough -->\n```sh\n([\s\S]*?)```\n<!-- \/walkthrough -->/.exec(readme);
  if (!block) throw new Error('README has no <!-- walkthrough --> block');
  const commands = block[1].replace(/\\\n/g, ' ').split('\n');
  const requests: string[] = [];
  for (const command of commands) {
    if (!/\bcurl\b/.test(command)) continue;
    const explicit = /\s-X\s+([A-Z]+)/.exec(command)?.[1];
    const method = explicit ?? (/\s-(d|F)\s/.test(command) ? 'POST' : 'GET');
    const url = /\$API(\/[^\s"?']*)/.exec(command);
    if (!url) throw new Error(`a curl line without $API: ${command}`);
    requests.push(`${method} ${url[1].replace(/\$[A-Z_]+/g, ':id')}`);
  }
  return requests;
}

describe('README', () => {
  const readme = read('README.md');

  it('fits on a few screens (at most 250 lines)', () => {
    expect(readme.split('\n').length).to.be.at.most(250);
  });

  it('documents every variable lib/config.ts reads in its configuration table, and no other', () => {
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Operations'));
    const rows = section.split('\n').filter((l) => l.startsWith('| `'));
    const documented = [
      ...new Set(rows.flatMap((r) => [...r.split('|')[1].matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]))),
    ].sort();
    const missing = configVariables().filter((v) => !documented.includes(v));
    const unknown = documented.filter((v) => !configVariables().includes(v));
    expect(
      { missing, unknown },
      'add a row to the README configuration table for each missing variable',
    ).to.deep.equal({
      missing: [],
      unknown: [],
    });
  });

  it('has every configuration variable in .env.example', () => {
    const example = read('.env.example');
    expect(configVariables().filter((v) => !new RegExp(`^#?\\s*${v}=`, 'm').test(example))).to.deep.equal([]);
  });

  it('walks through the same requests as `npm run walkthrough`, in the same order', () => {
    expect(readmeRequests(readme)).to.deep.equal([...WALKTHROUGH_REQUESTS]);
  });

  it('and the docs carry no internal wording', () => {
    for (const file of [
      'README.md',
      'bench/README.md',
      'docs/DEVELOPING.md',
      'docs/api.md',
      'docs/auth.md',
      'docs/clinical-data.md',
      'docs/design.md',
      'docs/email.md',
      'docs/jobs.md',
      'docs/payments.md',
      'docs/prescriptions.md',
      'docs/queue-and-notifications.md',
      'docs/reports.md',
      'docs/scheduling.md',
    ]) {
      expect(read(file), file).not.to.match(
        /\bSPEC\b|out of scope|minutes here\b|shared\/(SPEC|STYLE|STACK)/,
      );
    }
  });
});
