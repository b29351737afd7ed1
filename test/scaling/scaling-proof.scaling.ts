/**
 * The scaling proof (issue #8): 2 web and 2 worker processes of the production build (`dist/`)
 * against one database show that every job runs exactly once, that SSE events reach clients of
 * both web processes, and that SIGTERM during load loses no job and no request.
 *
 * Run with `npm run test:scaling` (builds first). Not part of `npm test`: it needs the build and
 * spawns processes. Uses TEST_DATABASE_URL's server, or an embedded PostgreSQL when unset.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { issueToken } from '../../domain/auth/tokens.js';
import { loadConfig } from '../../lib/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../lib/embedded-postgres.js';
import { createLogger } from '../../lib/logger.js';
import { createMailer } from '../../lib/mailer.js';
import { setServices } from '../../lib/services.js';
import { SmtpInbox } from '../helpers/smtp.js';
import { waitUntil } from '../helpers/wait.js';
import { BuiltProcess, freePort, runToCompletion, waitReady } from './cluster.js';
import { LoadRun, type LoadResult } from './load.js';
import { SseClient } from './sse-client.js';

const WORKER_CONCURRENCY = 4;
const BURST_JOBS = 300;
const BACKLOG_JOBS = 200;
const LOAD_REQUESTS = 400;
const LOAD_CONCURRENCY = 10;
const LATE_JOBS = 20;
/** "Within a few seconds": graphile-worker aborts running jobs after 5 s of graceful shutdown. */
const EXIT_WITHIN_MS = 8_000;

describe('scaling proof: 2 web + 2 worker processes of the production build', function () {
  this.timeout(120_000);

  const run = randomBytes(3).toString('hex');
  const children: BuiltProcess[] = [];
  const sse: SseClient[] = [];
  const smtp = new SmtpInbox();
  const figures: string[] = [];
  let embedded: EmbeddedDatabase | undefined;
  let tmpDir = '';
  let adminUrl = '';
  let dbName = '';
  let pool: pg.Pool | undefined;
  let env: Record<string, string> = {};
  let webA = '';
  let webB = '';
  let webAProc: BuiltProcess;
  let worker1: BuiltProcess;
  let token = '';
  let ticketPatients: string[] = [];
  let loadPatient = { id: '', email: '' };
  /** worker pool id (graphile-worker `locked_by`, `job_history.worker_id`) → process name. */
  const poolNames = new Map<string, string>();

  const q = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> =>
    (await pool!.query(sql, params)).rows as T[];

  async function admin(sql: string): Promise<void> {
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  }

  function spawnBuilt(name: string, entry: 'web' | 'worker', extra: Record<string, string> = {}) {
    const p = new BuiltProcess(name, entry, { ...env, ...extra });
    children.push(p);
    return p;
  }

  async function startWeb(name: string): Promise<{ proc: BuiltProcess; url: string }> {
    const port = await freePort();
    const proc = spawnBuilt(name, 'web', { PORT: String(port), RUN_WORKER: 'false' });
    const url = `http://127.0.0.1:${port}`;
    await waitReady(proc, url);
    return { proc, url };
  }

  /** Starts a worker process and resolves once its worker pool wrote its first heartbeat. */
  async function startWorkerProcess(name: string): Promise<BuiltProcess> {
    const proc = spawnBuilt(name, 'worker', { WORKER_CONCURRENCY: String(WORKER_CONCURRENCY) });
    const [row] = await waitUntil(
      async () => {
        if (!proc.running) throw new Error(`${name} exited\n${proc.tail()}`);
        const rows = await q<{ workerId: string }>(
          'select worker_id as "workerId" from worker_heartbeats where pid = $1',
          [proc.pid],
        );
        return rows.length ? rows : undefined;
      },
      30_000,
      `${name}'s heartbeat`,
    );
    poolNames.set(row.workerId, name);
    return proc;
  }

  /** Enqueues `n` send_email jobs straight into graphile-worker; returns their job ids. */
  async function enqueueEmails(kind: string, n: number): Promise<string[]> {
    const rows = await q<{ id: string }>(
      `select (graphile_worker.add_job(
                'send_email',
                json_build_object(
                  'ledgerKey', $1 || ':' || i, 'template', 'custom_reminder',
                  'to', $2 || '-' || i || '@scaling.test',
                  'vars', json_build_object('recipientName', 'Scaling ' || i, 'message', $2 || ' ' || i,
                                            'dueAtLocal', 'now')),
                job_key => 'send_email:' || $1 || ':' || i)).id::text as id
         from generate_series(1, $3::int) i`,
      [`scaling:${run}:${kind}`, `${kind}-${run}`, n],
    );
    return rows.map((r) => r.id);
  }

  /** Per job id: completed and failed runs in `job_history`, waiting until each id completed once. */
  async function waitCompleted(
    column: 'job_id' | 'job_key',
    values: string[],
    what: string,
  ): Promise<{ value: string; completed: number; failed: number; workerId: string }[]> {
    const sql = `select ${column}::text as value,
                        count(*) filter (where outcome = 'completed')::int as completed,
                        count(*) filter (where outcome = 'failed')::int as failed,
                        max(worker_id) filter (where outcome = 'completed') as "workerId"
                   from job_history where ${column} = any($1::${column === 'job_id' ? 'bigint' : 'text'}[])
                  group by ${column}`;
    return waitUntil(
      async () => {
        const rows = await q<{ value: string; completed: number; failed: number; workerId: string }>(sql, [
          values,
        ]);
        return rows.filter((r) => r.completed > 0).length === values.length ? rows : undefined;
      },
      60_000,
      what,
    );
  }

  async function perWorker(column: 'job_id' | 'job_key', values: string[]): Promise<Record<string, number>> {
    const rows = await q<{ workerId: string; n: number }>(
      `select worker_id as "workerId", count(*)::int as n from job_history
        where ${column} = any($1::${column === 'job_id' ? 'bigint' : 'text'}[]) and outcome = 'completed'
        group by worker_id`,
      [values],
    );
    return Object.fromEntries(rows.map((r) => [poolNames.get(r.workerId) ?? r.workerId, r.n]));
  }

  async function span(column: 'job_id' | 'job_key', values: string[]): Promise<number> {
    const [row] = await q<{ ms: number }>(
      `select extract(epoch from max(finished_at) - min(started_at)) * 1000 as ms from job_history
        where ${column} = any($1::${column === 'job_id' ? 'bigint' : 'text'}[])`,
      [values],
    );
    return Math.round(Number(row.ms));
  }

  function expectEachAddressOnce(prefix: string, n: number): void {
    const counts = new Map<string, number>();
    for (const m of smtp.messages) {
      for (const to of m.to) if (to.startsWith(`${prefix}-`)) counts.set(to, (counts.get(to) ?? 0) + 1);
    }
    expect(counts.size, `distinct ${prefix} recipients`).to.equal(n);
    expect(
      [...counts.values()].every((c) => c === 1),
      `each ${prefix} email exactly once`,
    ).to.equal(true);
  }

  before(async function () {
    this.timeout(180_000);
    tmpDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-scaling-'));
    // As root, embedded-postgres runs initdb as the `postgres` user, which must traverse this folder.
    chmodSync(tmpDir, 0o755);
    if (process.env.TEST_DATABASE_URL) {
      adminUrl = process.env.TEST_DATABASE_URL;
    } else {
      embedded = await startEmbeddedPostgres(path.join(tmpDir, 'pg'), { persistent: false });
      adminUrl = embedded.url;
    }
    dbName = `clinicflow_scaling_${process.pid}_${run}`;
    await admin(`create database ${dbName}`);
    const u = new URL(adminUrl);
    u.pathname = `/${dbName}`;
    const databaseUrl = u.toString();

    await smtp.start();
    const jwtSecret = randomBytes(32).toString('hex');
    env = {
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      JWT_SECRET: jwtSecret,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
      HOST: '127.0.0.1',
      APP_URL: 'http://clinicflow.test',
      DATA_DIR: tmpDir,
      LOG_LEVEL: 'warn',
    };

    // Procfile `release`: migrations from the build, as a process of its own.
    const t0 = Date.now();
    const migrate = await runToCompletion('release', 'migrate', env);
    expect(migrate.exit, migrate.tail()).to.deep.equal({ code: 0, signal: null });
    figures.push(`release (node dist/bin/migrate.js) on an empty database: ${Date.now() - t0} ms`);

    pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
    pool.on('error', () => {});

    const t1 = Date.now();
    const [a, b] = await Promise.all([startWeb('web-a'), startWeb('web-b')]);
    [webAProc, webA, webB] = [a.proc, a.url, b.url];
    [worker1] = await Promise.all([startWorkerProcess('worker-1'), startWorkerProcess('worker-2')]);
    figures.push(`2 web + 2 worker processes ready (readyz, heartbeats): ${Date.now() - t1} ms`);

    // The test signs tokens with the cluster's JWT_SECRET, as the web processes verify them.
    setServices({
      config: loadConfig({ NODE_ENV: 'test', JWT_SECRET: jwtSecret }),
      logger: createLogger('silent'),
      mailer: createMailer({ from: 'unused@scaling.test', outboxDir: path.join(tmpDir, 'outbox') }),
      jwtSecret,
    });
    const [staff] = await q<{ id: string; tokenGeneration: number }>(
      `insert into users (name, email, password_hash, role, status, email_verified)
       values ('Scaling staff', $1, '!', 'staff', 'active', true)
       returning id, token_generation as "tokenGeneration"`,
      [`staff-${run}@scaling.test`],
    );
    token = issueToken({ id: staff.id, role: 'staff', tokenGeneration: staff.tokenGeneration }).token;
    const patients = await q<{ id: string; email: string }>(
      `insert into patients (name, email, created_by)
       select 'Scaling patient ' || i, 'patient-' || i || '-' || $1 || '@scaling.test', $2
         from generate_series(1, 3) i
       returning id, email`,
      [run, staff.id],
    );
    ticketPatients = patients.slice(0, 2).map((p) => p.id);
    loadPatient = patients[2];
  });

  after(async function () {
    this.timeout(60_000);
    sse.forEach((c) => c.close());
    await Promise.all(children.map((c) => c.kill()));
    await pool?.end().catch(() => {});
    await smtp.stop().catch(() => {});
    if (dbName && adminUrl) await admin(`drop database if exists ${dbName} with (force)`).catch(() => {});
    await embedded?.stop();
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    if (figures.length)
      console.log(`\n  scaling proof figures:\n${figures.map((f) => `    - ${f}`).join('\n')}\n`);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed') {
      for (const c of children) console.log(c.tail(25));
    }
  });

  it('runs every job exactly once, spread over both worker processes', async () => {
    const t0 = Date.now();
    const ids = await enqueueEmails('burst', BURST_JOBS);
    expect(new Set(ids).size).to.equal(BURST_JOBS);

    const runs = await waitCompleted('job_id', ids, `${BURST_JOBS} burst jobs to complete`);
    const wall = Date.now() - t0;
    expect(runs).to.have.length(BURST_JOBS);
    expect(runs.filter((r) => r.completed !== 1 || r.failed !== 0)).to.deep.equal([]);
    const left = await q('select id from graphile_worker.jobs where id = any($1::bigint[])', [ids]);
    expect(left, 'jobs left in the queue').to.deep.equal([]);
    expectEachAddressOnce(`burst-${run}`, BURST_JOBS);

    const split = await perWorker('job_id', ids);
    expect(Object.keys(split).sort()).to.deep.equal(['worker-1', 'worker-2']);
    expect(split['worker-1']).to.be.greaterThan(0);
    expect(split['worker-2']).to.be.greaterThan(0);
    figures.push(
      `exactly once: ${BURST_JOBS} send_email jobs (MJML render + SMTP + ledger) in ${wall} ms wall ` +
        `(${Math.round((BURST_JOBS * 1000) / wall)} jobs/s incl. history flush; first start → last finish ` +
        `${await span('job_id', ids)} ms), split ${JSON.stringify(split)}, ${BURST_JOBS} emails received`,
    );
  });

  it('delivers SSE queue events to clients of both web processes', async () => {
    const stream = (base: string) => `${base}/api/v1/queue/stream?access_token=${encodeURIComponent(token)}`;
    // A 200 means the web process is LISTENing: everything committed from now on reaches the client.
    const [onA, onB] = await Promise.all([SseClient.open(stream(webA)), SseClient.open(stream(webB))]);
    sse.push(onA, onB);

    const t0 = Date.now();
    const created = await fetch(`${webA}/api/v1/queue`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patientId: ticketPatients[0] }),
    });
    expect(created.status).to.equal(201);
    const entry = (await created.json()) as { id: string; status: string };
    const updated = await fetch(`${webB}/api/v1/queue/${entry.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'IN_PROGRESS' }),
    });
    expect(updated.status).to.equal(200);

    const isChange = (action: string, status: string) => (e: { event: string; data: string }) => {
      if (e.event !== 'queue') return false;
      const change = JSON.parse(e.data) as { action: string; entry: { id: string; status: string } };
      return change.action === action && change.entry.id === entry.id && change.entry.status === status;
    };
    for (const client of [onA, onB]) {
      await client.waitFor(isChange('created', 'WAITING'));
      await client.waitFor(isChange('updated', 'IN_PROGRESS'));
    }
    figures.push(
      `SSE: a change written through web-a and one through web-b reached the streams of both web ` +
        `processes within ${Date.now() - t0} ms`,
    );
    // web-b's stream is done; web-a's stays open to show that SIGTERM ends it cleanly.
    onB.close();
  });

  it('delivers a message posted on one web process to an SSE stream on the other', async () => {
    const user = async (role: 'patient' | 'doctor', name: string) => {
      const [u] = await q<{ id: string; tokenGeneration: number }>(
        `insert into users (name, email, password_hash, role, status, email_verified)
         values ($1, $2, '!', $3, 'active', true) returning id, token_generation as "tokenGeneration"`,
        [name, `${role}-msg-${run}@scaling.test`, role],
      );
      return { id: u.id, token: issueToken({ id: u.id, role, tokenGeneration: u.tokenGeneration }).token };
    };
    const [patient, doctor] = await Promise.all([
      user('patient', 'Messaging patient'),
      user('doctor', 'Dr. Messaging'),
    ]);
    const [profile] = await q<{ id: string }>(
      `insert into patients (user_id, name, email) values ($1, 'Messaging patient', $2) returning id`,
      [patient.id, `patient-msg-${run}@scaling.test`],
    );
    await q(`insert into doctors (id, specialization) values ($1, 'general')`, [doctor.id]);
    await q(`insert into patient_doctor_mappings (patient_id, doctor_id) values ($1, $2)`, [
      profile.id,
      doctor.id,
    ]);

    const onB = await SseClient.open(
      `${webB}/api/v1/messages/stream?access_token=${encodeURIComponent(doctor.token)}`,
    );
    sse.push(onB);
    const t0 = Date.now();
    const posted = await fetch(`${webA}/api/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${patient.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ recipientId: doctor.id, body: `across processes ${run}` }),
    });
    expect(posted.status).to.equal(201);
    const message = (await posted.json()) as { id: string };
    const got = await onB.waitFor(
      (e) => e.event === 'message' && (JSON.parse(e.data) as { id: string }).id === message.id,
    );
    expect(JSON.parse(got.data)).to.deep.equal(message);
    figures.push(
      `messaging: a message POSTed to web-a reached a doctor's SSE stream on web-b in ${Date.now() - t0} ms`,
    );
    onB.close();
  });

  it('loses no job and no request when a worker and a web process get SIGTERM under load', async () => {
    const onA = sse[0];
    const backlog = await enqueueEmails('backlog', BACKLOG_JOBS);
    const message = (i: number) => `load ${run} #${i}`;
    const load = new LoadRun({
      targets: [webA, webB],
      total: LOAD_REQUESTS,
      concurrency: LOAD_CONCURRENCY,
      token,
      request: (i) => ({
        method: 'POST',
        path: '/api/v1/reminders',
        body: {
          patientId: loadPatient.id,
          message: message(i),
          dueAt: new Date().toISOString(),
          channels: ['email'],
        },
      }),
    });
    const t0 = Date.now();
    const loading = load.run();

    // SIGTERM worker-1 while it is running jobs; those must finish, the rest go to the others.
    const worker1Pool = [...poolNames].find(([, n]) => n === 'worker-1')![0];
    const runningOnWorker1 = await waitUntil(
      async () => {
        if (load.completed < LOAD_REQUESTS / 5) return undefined;
        const rows = await q<{ id: string }>(
          'select id::text from graphile_worker.jobs where locked_by = $1',
          [worker1Pool],
        );
        return rows.length ? rows.map((r) => r.id) : undefined;
      },
      30_000,
      'worker-1 to be running jobs under load',
    );
    const worker1Exit = worker1.terminate();

    // SIGTERM web-a while requests to it are in flight; accepted ones must complete.
    await waitUntil(
      () => load.completed >= (2 * LOAD_REQUESTS) / 5 && load.inFlight.get(webA)! > 0,
      30_000,
      'requests in flight on web-a',
    );
    const inFlightOnA = load.inFlight.get(webA)!;
    const webAExit = webAProc.terminate();

    const w1 = await worker1Exit;
    // The restarted worker joins while jobs are still queued (the load itself may be over by then).
    await startWorkerProcess('worker-3');
    const joinedAfter = load.completed;
    const a = await webAExit;
    const sseEnd = await onA.closed;
    const results = await loading;
    const loadMs = Date.now() - t0;
    // Work queued after the restart, so the new worker demonstrably takes jobs.
    const late = await enqueueEmails('late', LATE_JOBS);

    expect(w1, worker1.tail()).to.deep.include({ code: 0, signal: null });
    expect(w1.ms).to.be.below(EXIT_WITHIN_MS);
    expect(a, webAProc.tail()).to.deep.include({ code: 0, signal: null });
    expect(a.ms).to.be.below(EXIT_WITHIN_MS);
    expect(sseEnd, 'web-a ends its SSE stream cleanly on SIGTERM').to.equal('end');

    // No request lost: every logical request got a 201 (none 5xx), possibly after a retry of a
    // connection the server never accepted.
    const notCreated = results.filter((r: LoadResult) => r.status !== 201);
    expect(notCreated, JSON.stringify(notCreated.slice(0, 5))).to.deep.equal([]);
    const serverErrors = results
      .flatMap((r) => r.attempts)
      .filter((x) => typeof x.outcome === 'number' && x.outcome >= 500);
    expect(serverErrors).to.deep.equal([]);
    const retried = results.filter((r) => r.attempts.length > 1);

    // Every 2xx is a row, and no retry created a second one: a request the server had accepted
    // never failed on the client's side.
    const rows = await q<{ id: string; message: string }>(
      'select id, message from reminders where patient_id = $1 and message like $2',
      [loadPatient.id, `load ${run} #%`],
    );
    expect(rows).to.have.length(LOAD_REQUESTS);
    const byMessage = new Map(rows.map((r) => [r.message, r.id]));
    expect(byMessage.size).to.equal(LOAD_REQUESTS);
    for (const r of results) expect((r.body as { id: string }).id).to.equal(byMessage.get(message(r.i)));

    // Every row's job ran exactly once; the backlog and late jobs too.
    const keys = rows.map((r) => `send_custom_reminder:${r.id}`);
    const reminderRuns = await waitCompleted('job_key', keys, `${LOAD_REQUESTS} reminder jobs to complete`);
    expect(reminderRuns.filter((r) => r.completed !== 1 || r.failed !== 0)).to.deep.equal([]);
    const backlogRuns = await waitCompleted('job_id', backlog, `${BACKLOG_JOBS} backlog jobs to complete`);
    expect(backlogRuns.filter((r) => r.completed !== 1 || r.failed !== 0)).to.deep.equal([]);
    const lateRuns = await waitCompleted('job_id', late, `${LATE_JOBS} late jobs to complete`);
    expect(lateRuns.filter((r) => r.completed !== 1 || r.failed !== 0)).to.deep.equal([]);
    const unsent = await q(`select id from reminders where patient_id = $1 and status <> 'sent'`, [
      loadPatient.id,
    ]);
    expect(unsent).to.deep.equal([]);
    const left = await q(
      'select id from graphile_worker.jobs where id = any($1::bigint[]) or key = any($2::text[])',
      [[...backlog, ...late], keys],
    );
    expect(left, 'jobs left in the queue').to.deep.equal([]);

    // The jobs worker-1 was running at SIGTERM finished there, once.
    const killedRuns = await waitCompleted('job_id', runningOnWorker1, 'the jobs running at SIGTERM');
    expect(
      killedRuns.every((r) => r.completed === 1 && r.failed === 0 && r.workerId === worker1Pool),
    ).to.equal(true);

    // Each email exactly once.
    const loadMails = smtp.to(loadPatient.email);
    expect(loadMails).to.have.length(LOAD_REQUESTS);
    const mailed = new Set(loadMails.map((m) => /load \w+ #(\d+)/.exec(m.text)?.[1]));
    expect(mailed.size).to.equal(LOAD_REQUESTS);
    expectEachAddressOnce(`backlog-${run}`, BACKLOG_JOBS);
    expectEachAddressOnce(`late-${run}`, LATE_JOBS);

    const lateSplit = await perWorker('job_id', late);
    expect(lateSplit['worker-3'] ?? 0, 'the restarted worker takes jobs').to.be.greaterThan(0);

    for (const c of children) expect(c.errorLines(), `${c.name} logged errors`).to.deep.equal([]);

    const codes = [
      ...new Set(
        results
          .flatMap((r) => r.attempts)
          .map((x) => x.outcome)
          .filter((o) => typeof o === 'string'),
      ),
    ];
    figures.push(
      `SIGTERM under load: ${LOAD_REQUESTS} POST /reminders (concurrency ${LOAD_CONCURRENCY}, alternating ` +
        `web-a/web-b) in ${loadMs} ms, all 201, no 5xx; ${retried.length} re-sent to web-b after a ` +
        `connection error (${codes.join(', ') || 'none'}) and none of them duplicated a row`,
      `web-a: SIGTERM with ${inFlightOnA} request(s) in flight → exit 0 after ${a.ms} ms, SSE stream ended cleanly`,
      `worker-1: SIGTERM while holding ${runningOnWorker1.length} job lock(s) → those jobs completed on worker-1, exit 0 ` +
        `after ${w1.ms} ms; worker-3 started in its place and joined after ${joinedAfter} of ${LOAD_REQUESTS} requests`,
      `jobs: ${LOAD_REQUESTS} send_custom_reminder + ${BACKLOG_JOBS} backlog + ${LATE_JOBS} late send_email, each ` +
        `completed exactly once, 0 failed; reminders split ${JSON.stringify(await perWorker('job_key', keys))}, ` +
        `backlog split ${JSON.stringify(await perWorker('job_id', backlog))}, late split ${JSON.stringify(lateSplit)}`,
    );
  });

  it('stops every remaining process cleanly on SIGTERM', async () => {
    const rest = children.filter((c) => c.running);
    expect(rest.map((c) => c.name).sort()).to.deep.equal(['web-b', 'worker-2', 'worker-3']);
    const exits = await Promise.all(rest.map((c) => c.terminate()));
    exits.forEach((e, i) => {
      expect(e, rest[i].tail()).to.deep.include({ code: 0, signal: null });
      expect(e.ms).to.be.below(EXIT_WITHIN_MS);
    });
    const beating = await q('select worker_id from worker_heartbeats');
    expect(beating, 'cleanly stopped workers remove their heartbeats').to.deep.equal([]);
    figures.push(
      `idle stop: ${rest.map((c, i) => `${c.name} exit 0 after ${exits[i].ms} ms`).join(', ')}; no heartbeat left`,
    );
  });
});
