/**
 * Prints an email from the development outbox (`<DATA_DIR>/outbox`, where emails go without
 * SMTP_URL), decoded: `npm run outbox` shows the newest one's subject, recipient and text part with
 * its links whole (the `.eml` itself is quoted-printable, where links are cut and `=` is `=3D`).
 *
 *   npm run outbox              the newest email
 *   npm run outbox -- 2         the second newest
 *   npm run outbox -- --list    subjects of the 20 newest
 *
 * Exit codes: 0 done, 1 no such email, 2 usage, 78 configuration.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../lib/config.js';
import { listOutbox, readOutboxEmail } from '../lib/outbox.js';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { list: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log('usage: npm run outbox [-- N | --list]');
    return 0;
  }
  const n = positionals[0] ? Number(positionals[0]) : 1;
  if (!Number.isInteger(n) || n < 1 || n > 1000) {
    console.error('usage: npm run outbox [-- N | --list]   (N: 1 is the newest email)');
    return 2;
  }
  const config = loadConfig(process.env);
  const dir = path.join(config.dataDir, 'outbox');
  if (config.smtpUrl) console.log(`SMTP_URL is set: new emails go to that server, not to ${dir}.\n`);
  const page = await listOutbox(dir, { limit: values.list ? 20 : n });
  if (values.list) {
    if (!page.items.length) console.log(`no emails in ${dir}`);
    page.items.forEach((m, i) =>
      console.log(`${String(i + 1).padStart(3)}  ${m.date ?? ''}  ${m.to}  ${m.subject}`),
    );
    return 0;
  }
  const summary = page.items[n - 1];
  if (!summary) {
    console.error(
      page.items.length
        ? `only ${page.items.length} email(s) in ${dir}`
        : `no emails in ${dir} yet (register an account or ask for a password reset first)`,
    );
    return 1;
  }
  const mail = (await readOutboxEmail(dir, summary.id))!;
  console.log(
    [
      `Subject: ${mail.subject}`,
      `To:      ${mail.to}`,
      `Date:    ${mail.date ?? '-'}`,
      `File:    ${path.join(dir, `${mail.id}.eml`)}`,
      '',
      mail.text.trim(),
      '',
      ...(mail.links.length ? ['Links:', ...mail.links.map((l) => `  ${l}`)] : []),
      ...(mail.codes.length ? [`Codes: ${mail.codes.join(', ')}`] : []),
      ...(mail.attachments.length
        ? [`Attachments: ${mail.attachments.map((a) => `${a.filename} (${a.contentType})`).join(', ')}`]
        : []),
    ].join('\n'),
  );
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ConfigError) {
      console.error(`clinicflow: invalid configuration: ${err.message}`);
      process.exit(78);
    }
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
