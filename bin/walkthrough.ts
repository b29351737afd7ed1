/**
 * `npm run walkthrough [-- <base URL>]`: runs the README's walkthrough against a started server and
 * checks every step — register, read the emailed link, verify, admin signs in, create a doctor, set
 * visiting hours, book, upload a report, see its job — so the README cannot go stale (CI runs it).
 *
 * The server must run with SUPER_ADMIN_EMAIL / SUPER_ADMIN_PASSWORD and write emails to the outbox
 * (no SMTP_URL); this script reads the same configuration (environment, then `.env`) for those and
 * for DATA_DIR. Base URL: the argument, else APP_URL (default http://localhost:PORT).
 * Exit codes: 0 every step passed, 1 a step failed, 78 configuration.
 */
import { randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { ConfigError, loadConfig } from '../lib/config.js';
import { loadEnvFile } from '../lib/env-file.js';

/**
 * The README's walkthrough requests, in order (test/docs/readme.test.ts checks the README's curl
 * lines against this list).
 */
export const WALKTHROUGH_REQUESTS = [
  'POST /auth/register',
  'POST /auth/verify-email',
  'POST /auth/login',
  'POST /auth/login',
  'POST /users',
  'PUT /doctors/:id/availability',
  'GET /doctors/:id/slots',
  'POST /appointments',
  'GET /users/me',
  'POST /patients/:id/reports',
  'GET /reports/:id',
  'GET /admin/jobs',
] as const;

class StepFailed extends Error {}

/** Polls `check` every 200 ms until it returns a value, for at most `ms`. */
async function eventually<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new StepFailed(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  loadEnvFile();
  const config = loadConfig(process.env);
  const base = (process.argv[2] ?? config.appUrl).replace(/\/$/, '');
  const api = `${base}/api/v1`;
  if (!config.superAdmin)
    throw new ConfigError('SUPER_ADMIN_EMAIL', 'and SUPER_ADMIN_PASSWORD must be set (as for the server)');
  if (config.smtpUrl)
    throw new ConfigError('SMTP_URL', 'must be unset: the walkthrough reads the email from the outbox');
  const outbox = path.join(config.dataDir, 'outbox');
  let step = 0;
  const requests: string[] = [];

  /** One request of the walkthrough; fails the step unless the status is `expect`. */
  async function call<T = Record<string, unknown>>(
    method: string,
    route: string,
    url: string,
    expect: number,
    init: { token?: string; json?: unknown; form?: FormData; poll?: boolean } = {},
  ): Promise<T> {
    // A polled request counts once: it is one line of the README.
    if (!init.poll || requests.at(-1) !== `${method} ${route}`) requests.push(`${method} ${route}`);
    const headers: Record<string, string> = {};
    if (init.token) headers.authorization = `Bearer ${init.token}`;
    if (init.json !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(`${api}${url}`, {
      method,
      headers,
      body: init.form ?? (init.json === undefined ? undefined : JSON.stringify(init.json)),
    });
    const text = await res.text();
    if (res.status !== expect)
      throw new StepFailed(
        `${method} ${url} answered ${res.status}, expected ${expect}: ${text.slice(0, 300)}`,
      );
    return (text ? JSON.parse(text) : {}) as T;
  }
  const say = (title: string, detail = '') =>
    console.log(`${String(++step).padStart(2)}. ${title}${detail ? `: ${detail}` : ''}`);

  const email = `ada-${randomUUID().slice(0, 8)}@example.com`;
  const password = 'a long password';
  const registered = await call('POST', '/auth/register', '/auth/register', 201, {
    json: { name: 'Ada Lovelace', email, password },
  });
  say('register a patient', `${email} is ${String(registered.status)}`);

  const link = await eventually('the verification email in the outbox', 20_000, async () => {
    const files = (await readdir(outbox).catch(() => [] as string[])).filter((f) =>
      f.endsWith(`-${email}.txt`),
    );
    for (const f of files) {
      const m = /verify-email\?token=([A-Za-z0-9_%-]+)/.exec(await readFile(path.join(outbox, f), 'utf8'));
      if (m) return decodeURIComponent(m[1]);
    }
    return undefined;
  });
  say('read the verification link', `${outbox}/…-${email}.txt`);

  await call('POST', '/auth/verify-email', '/auth/verify-email', 200, { json: { token: link } });
  const patient = await call<{ token: string }>('POST', '/auth/login', '/auth/login', 200, {
    json: { email, password },
  });
  say('verify the email and sign in as the patient');

  const admin = await call<{ token: string }>('POST', '/auth/login', '/auth/login', 200, {
    json: { email: config.superAdmin.email, password: config.superAdmin.password },
  });
  say('sign in as the super-admin', config.superAdmin.email);

  const doctor = await call<{ id: string }>('POST', '/users', '/users', 201, {
    token: admin.token,
    json: {
      name: 'Dr. Grace Hopper',
      email: `grace-${randomUUID().slice(0, 8)}@example.com`,
      password: 'another long password',
      role: 'doctor',
      specialization: 'cardiology',
    },
  });
  say('create a doctor', doctor.id);

  const weekly = [1, 2, 3, 4, 5, 6, 7].map((weekday) => ({ weekday, start: '09:00', end: '17:00' }));
  await call('PUT', '/doctors/:id/availability', `/doctors/${doctor.id}/availability`, 200, {
    token: admin.token,
    json: { timeZone: 'Europe/Berlin', slotMinutes: 30, weekly },
  });
  say('set visiting hours', 'every day 09:00–17:00 Europe/Berlin');

  const slots = await call<{ items: { startsAt: string }[] }>(
    'GET',
    '/doctors/:id/slots',
    `/doctors/${doctor.id}/slots`,
    200,
    { token: patient.token },
  );
  if (!slots.items.length) throw new StepFailed('the doctor has no free slots in the next 7 days');
  const appointment = await call<{ id: string; status: string }>(
    'POST',
    '/appointments',
    '/appointments',
    201,
    {
      token: patient.token,
      json: { doctorId: doctor.id, startsAt: slots.items[0].startsAt, reason: 'Check-up' },
    },
  );
  say('book the first free slot', `${slots.items[0].startsAt}, ${appointment.status}`);

  const me = await call<{ patientId: string }>('GET', '/users/me', '/users/me', 200, {
    token: patient.token,
  });
  const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#99ccff' } })
    .png()
    .toBuffer();
  const form = new FormData();
  form.set('title', 'Blood panel');
  form.set('kind', 'lab');
  form.set('file', new Blob([png], { type: 'image/png' }), 'scan.png');
  const report = await call<{ id: string; thumbnailStatus: string }>(
    'POST',
    '/patients/:id/reports',
    `/patients/${me.patientId}/reports`,
    201,
    { token: patient.token, form },
  );
  say('upload a report', `${report.id}, thumbnail ${report.thumbnailStatus}`);

  await eventually('the thumbnail job to finish', 30_000, async () => {
    const r = await call<{ thumbnailStatus: string }>('GET', '/reports/:id', `/reports/${report.id}`, 200, {
      token: patient.token,
      poll: true,
    });
    if (r.thumbnailStatus === 'failed') throw new StepFailed('the thumbnail job failed');
    return r.thumbnailStatus === 'ready' ? r : undefined;
  });
  // Completed runs reach the job history within a second (it is written in batches).
  const jobs = await eventually('the completed job in GET /admin/jobs', 10_000, async () => {
    const page = await call<{ items: { id: string; task: string; state: string }[] }>(
      'GET',
      '/admin/jobs',
      '/admin/jobs?task=make_report_thumbnail&state=completed',
      200,
      { token: admin.token, poll: true },
    );
    return page.items.length ? page : undefined;
  });
  say('see the job', `make_report_thumbnail #${jobs.items[0].id} ${jobs.items[0].state}; thumbnail ready`);

  if (requests.join('\n') !== WALKTHROUGH_REQUESTS.join('\n'))
    throw new StepFailed(`the requests made differ from WALKTHROUGH_REQUESTS:\n${requests.join('\n')}`);
  console.log(`walkthrough passed against ${base}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    await main();
    process.exit(0);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`walkthrough: invalid configuration: ${err.message}`);
      process.exit(78);
    }
    const cause = (err as { cause?: { code?: string } }).cause;
    console.error(
      `walkthrough FAILED: ${
        cause?.code === 'ECONNREFUSED'
          ? 'no server answers; start it first (`npm start`, with SUPER_ADMIN_EMAIL and SUPER_ADMIN_PASSWORD set)'
          : (err as Error).message
      }`,
    );
    process.exit(1);
  }
}
