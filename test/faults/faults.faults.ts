/**
 * The fault-injection suite (issue #11): processes of the production build (`dist/`) under load while
 * the database drops every connection, the database server stops, or the mail server refuses; each
 * case checks that nothing is lost, nothing is done twice, and that the processes recover by
 * themselves (no restart). Prints a table of faults × outcome.
 *
 * Run with `npm run test:faults` (builds first). Uses PostgreSQL on 127.0.0.1:5432 when it answers
 * and has ≥ 40 free connections (or TEST_DATABASE_URL's server), else an embedded one; the server-stop case always uses an embedded
 * PostgreSQL of its own so it can stop and start it.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import pg from 'pg';
import { issueToken } from '../../domain/auth/tokens.js';
import { FAULT_PROBE_TABLES_SQL } from '../../domain/jobs/fault-probe.js';
import { loadConfig } from '../../lib/config.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../lib/embedded-postgres.js';
import { createLogger } from '../../lib/logger.js';
import { createMailer } from '../../lib/mailer.js';
import { setServices } from '../../lib/services.js';
import { SmtpInbox } from '../helpers/smtp.js';
import { waitUntil } from '../helpers/wait.js';
import { BuiltProcess, freePort, runToCompletion, waitReady } from '../scaling/cluster.js';

const JOBS = 500;
const REQUESTS = 100;
const REQUEST_CONCURRENCY = 10;
const KILLS = 3;
const WORKER_CONCURRENCY = 5;
/** Each probe job works this long, so jobs are in flight when the connections drop. */
const PROBE_WORK_MS = 40;
const RECOVER_WITHIN_MS = 60_000;
/** The server-stop case: how long PostgreSQL stays down. */
const DB_DOWN_MS = 20_000;
/**
 * The mail case: how long the SMTP server refuses. Shorter than the issue's 30 s: graphile-worker
 * retries a failed job after e^attempt seconds (2.7, 7.4, 20, 55 s…), so a 30 s refusal is
 * recovered at the 4th retry, ≈ 85 s after the first attempt; 12 s shows the same path in ≈ 30 s.
 */
const SMTP_DOWN_MS = 12_000;
const EMAILS = 50;

interface Outcome {
  fault: string;
  jobs: number;
  done: number;
  lost: number;
  duplicated: number;
  reruns: number;
  requests: number;
  ok2xx: number;
  unavailable503: number;
  other5xx: number;
  recoverSeconds: number;
}

const run = randomBytes(3).toString('hex');
const outcomes: Outcome[] = [];

/**
 * Whether the server at `url` answers and has room for this suite (≈ 40 connections: a web and a
 * worker process with their pools, plus the checks). A shared development server that is nearly full
 * would fail the suite for reasons that have nothing to do with clinicflow.
 */
async function usable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const { rows } = await client.query(
      `select current_setting('max_connections')::int - (select count(*) from pg_stat_activity)::int as free`,
    );
    await client.end();
    return rows[0].free >= 40;
  } catch {
    await client.end().catch(() => undefined);
    return false;
  }
}

async function adminQuery(adminUrl: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

function withDb(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** One database with clinicflow's schema, the probe tables, a staff token and a pool for checks. */
class AppDatabase {
  pool!: pg.Pool;
  url = '';
  token = '';

  constructor(
    readonly adminUrl: string,
    readonly name: string,
  ) {}

  async create(env: Record<string, string>, jwtSecret: string): Promise<void> {
    await adminQuery(this.adminUrl, `create database ${this.name}`);
    this.url = withDb(this.adminUrl, this.name);
    const migrate = await runToCompletion(`migrate-${this.name}`, 'migrate', {
      ...env,
      DATABASE_URL: this.url,
    });
    expect(migrate.exit, migrate.tail()).to.deep.equal({ code: 0, signal: null });
    this.pool = new pg.Pool({ connectionString: this.url, max: 4 });
    this.pool.on('error', () => undefined);
    await this.pool.query(FAULT_PROBE_TABLES_SQL);
    const { rows } = await this.pool.query(
      `insert into users (name, email, password_hash, role, status, email_verified)
       values ('Fault staff', $1, '!', 'staff', 'active', true)
       returning id, token_generation as "tokenGeneration"`,
      [`staff-${this.name}@faults.test`],
    );
    setServices({
      config: loadConfig({ NODE_ENV: 'test', JWT_SECRET: jwtSecret }),
      logger: createLogger('silent'),
      mailer: createMailer({ from: 'unused@faults.test', outboxDir: os.tmpdir() }),
      jwtSecret,
    });
    this.token = issueToken({
      id: rows[0].id,
      role: 'staff',
      tokenGeneration: rows[0].tokenGeneration,
    }).token;
  }

  /** Queries that tolerate the outage: retried until the database answers. */
  async q<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return waitUntil(async () => (await this.pool.query(sql, params)).rows as T[], 60_000, sql.slice(0, 60));
  }

  /** Queues `n` probe jobs (one probe row each); returns the probe ids. */
  async enqueueProbes(label: string, n: number): Promise<string[]> {
    const rows = await this.q<{ id: string }>(
      `with p as (insert into fault_probes (id) select $1 || ':' || i from generate_series(1, $2::int) i returning id)
       select p.id, graphile_worker.add_job('fault_probe', json_build_object('probeId', p.id, 'workMs', $3::int),
                                            job_key => 'fault_probe:' || p.id) from p`,
      [`${label}:${run}`, n, PROBE_WORK_MS],
    );
    return rows.map((r) => r.id);
  }

  /** Probes done, with their effects and executions. */
  async probeCounts(ids: string[]): Promise<{ done: number; duplicated: number; runs: number }> {
    const [row] = await this.q<{ done: number; duplicated: number; runs: number }>(
      `select (select count(*) from fault_probes where id = any($1::text[]) and done_at is not null)::int as done,
              (select count(*) from (select probe_id from fault_probe_effects where probe_id = any($1::text[])
                                      group by probe_id having count(*) > 1) d)::int as duplicated,
              (select count(*) from fault_probe_runs where probe_id = any($1::text[]))::int as runs`,
      [ids],
    );
    return row;
  }

  async drop(): Promise<void> {
    await this.pool?.end().catch(() => undefined);
    await adminQuery(this.adminUrl, `drop database if exists ${this.name} with (force)`).catch(
      () => undefined,
    );
  }
}

/** `REQUESTS` POST /patients at REQUEST_CONCURRENCY; statuses and the ids of the 201s. */
async function requestLoad(base: string, token: string, label: string) {
  const statuses: number[] = [];
  const created: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < REQUESTS) {
      const i = next++;
      try {
        const res = await fetch(`${base}/api/v1/patients`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ name: `Fault ${label} ${run} ${i}` }),
        });
        const body = (await res.json().catch(() => ({}))) as { id?: string };
        statuses.push(res.status);
        if (res.status === 201 && body.id) created.push(body.id);
      } catch {
        statuses.push(0);
      }
    }
  };
  await Promise.all(Array.from({ length: REQUEST_CONCURRENCY }, lane));
  return { statuses, created };
}

describe('fault injection: processes of the production build recover by themselves', function () {
  this.timeout(240_000);
  const children: BuiltProcess[] = [];
  const smtp = new SmtpInbox();
  const dbs: AppDatabase[] = [];
  const embedded: EmbeddedDatabase[] = [];
  let tmpDir = '';
  let adminUrl = '';
  let jwtSecret = '';
  let baseEnv: Record<string, string> = {};

  function spawnBuilt(name: string, entry: 'web' | 'worker', env: Record<string, string>) {
    const p = new BuiltProcess(name, entry, { ...baseEnv, ...env });
    children.push(p);
    return p;
  }

  /** Web + worker in one process (`combined`), or a web and a worker process (`split`). */
  async function startApp(db: AppDatabase, mode: 'combined' | 'split') {
    const port = await freePort();
    const web = spawnBuilt(`web-${db.name}`, 'web', {
      DATABASE_URL: db.url,
      PORT: String(port),
      RUN_WORKER: mode === 'combined' ? 'true' : 'false',
    });
    const procs = [web];
    const base = `http://127.0.0.1:${port}`;
    await waitReady(web, base);
    if (mode === 'split') procs.push(spawnBuilt(`worker-${db.name}`, 'worker', { DATABASE_URL: db.url }));
    const workerProc = procs[procs.length - 1];
    await waitUntil(
      async () => {
        if (!workerProc.running) throw new Error(`${workerProc.name} exited\n${workerProc.tail()}`);
        return (await db.q('select 1 from worker_heartbeats where pid = $1', [workerProc.pid])).length;
      },
      30_000,
      `${workerProc.name}'s worker to beat`,
    );
    return { base, procs };
  }

  /** SIGTERM to each process of a case: each must exit 0 (drained, heartbeat removed); frees connections. */
  async function stopApp(db: AppDatabase, app: { procs: BuiltProcess[] }): Promise<void> {
    for (const p of app.procs) {
      const { code, signal } = await p.terminate(30_000);
      expect({ code, signal }, `${p.name} on SIGTERM\n${p.tail()}`).to.deep.equal({ code: 0, signal: null });
    }
    expect(await db.q('select worker_id from worker_heartbeats'), 'heartbeat rows left').to.deep.equal([]);
    await db.drop();
  }

  async function newDatabase(admin: string, label: string): Promise<AppDatabase> {
    const db = new AppDatabase(admin, `clinicflow_faults_${label}_${run}`);
    dbs.push(db);
    await db.create(baseEnv, jwtSecret);
    return db;
  }

  /**
   * Jobs and requests in flight, then `fault` (which resolves when the fault is over); checks every
   * job done exactly once within RECOVER_WITHIN_MS of the fault's end, every 2xx's row stored, no
   * 5xx but 503, and the processes still the same ones.
   */
  async function underLoad(
    label: string,
    db: AppDatabase,
    app: { base: string; procs: BuiltProcess[] },
    fault: () => Promise<void>,
  ): Promise<Outcome> {
    const probes = await db.enqueueProbes(label, JOBS);
    const load = requestLoad(app.base, db.token, label);
    await fault();
    const faultOver = Date.now();
    const { statuses, created } = await load;
    const counts = await waitUntil(
      async () => {
        const c = await db.probeCounts(probes);
        return c.done === JOBS ? c : undefined;
      },
      RECOVER_WITHIN_MS,
      `${JOBS} probe jobs done after ${label}`,
    ).catch(async (err) => {
      for (const p of app.procs) console.log(p.tail(30));
      throw err;
    });
    const recoverSeconds = Math.round((Date.now() - faultOver) / 100) / 10;
    const left = await db.q('select id from graphile_worker.jobs where key = any($1::text[])', [
      probes.map((p) => `fault_probe:${p}`),
    ]);
    const stored = await db.q<{ id: string }>('select id from patients where id = any($1::uuid[])', [
      created,
    ]);
    const outcome: Outcome = {
      fault: label,
      jobs: JOBS,
      done: counts.done,
      lost: JOBS - counts.done,
      duplicated: counts.duplicated,
      reruns: counts.runs - JOBS,
      requests: REQUESTS,
      ok2xx: statuses.filter((s) => s >= 200 && s < 300).length,
      unavailable503: statuses.filter((s) => s === 503).length,
      other5xx: statuses.filter((s) => s >= 500 && s !== 503).length + statuses.filter((s) => s === 0).length,
      recoverSeconds,
    };
    outcomes.push(outcome);
    expect(left, 'jobs left in the queue').to.deep.equal([]);
    expect(counts.duplicated, 'probes done twice').to.equal(0);
    expect(stored.length, "2xx requests' rows stored").to.equal(created.length);
    expect(
      statuses.filter((s) => !(s === 201 || s === 503)),
      'statuses other than 201 and 503',
    ).to.deep.equal([]);
    for (const p of app.procs)
      expect(p.running, `${p.name} still running (no restart)\n${p.tail()}`).to.equal(true);
    return outcome;
  }

  /** Terminates every backend of the database KILLS times, waiting for a worker restart in between. */
  async function terminateAll(db: AppDatabase, workers: BuiltProcess[]): Promise<void> {
    for (let k = 0; k < KILLS; k++) {
      if (k > 0) await new Promise((r) => setTimeout(r, 1500));
      await adminQuery(
        db.adminUrl,
        'select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [db.name],
      );
    }
    expect(workers.every((w) => w.running)).to.equal(true);
  }

  before(async function () {
    this.timeout(120_000);
    tmpDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-faults-'));
    chmodSync(tmpDir, 0o755);
    const candidate = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    if (await usable(candidate)) {
      adminUrl = candidate;
      console.log(`  using PostgreSQL at ${new URL(candidate).host}`);
    } else {
      console.log(`  ${new URL(candidate).host} unreachable or nearly full: using an embedded PostgreSQL`);
      const e = await startEmbeddedPostgres(path.join(tmpDir, 'pg-main'), { persistent: false });
      embedded.push(e);
      adminUrl = e.url;
    }
    await smtp.start();
    jwtSecret = randomBytes(32).toString('hex');
    baseEnv = {
      NODE_ENV: 'production',
      JWT_SECRET: jwtSecret,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}?ignoreTLS=true`,
      HOST: '127.0.0.1',
      APP_URL: 'http://clinicflow.test',
      DATA_DIR: tmpDir,
      LOG_LEVEL: 'warn',
      FAULT_PROBE_TASK: 'true',
      WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      // The product's cap is 30 s; 5 s keeps the 20 s server stop from costing up to 30 s more here.
      WORKER_RESTART_MAX_MS: '5000',
    };
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(children.map((c) => c.terminate(15_000).catch(() => c.kill())));
    const unclean = children.filter((c) => c.exit && c.exit.code !== 0 && c.exit.signal !== 'SIGKILL');
    await Promise.all(dbs.map((d) => d.drop()));
    await smtp.stop().catch(() => undefined);
    for (const e of embedded) await e.stop().catch(() => undefined);
    if (tmpDir) rmSync(tmpDir, { recursive: true, force: true });
    const header =
      '| fault | jobs done | lost | done twice | re-runs | requests 2xx / 503 / other 5xx | seconds to recover |';
    const lines = outcomes.map(
      (o) =>
        `| ${o.fault} | ${o.done}/${o.jobs} | ${o.lost} | ${o.duplicated} | ${o.reruns} | ${
          o.requests ? `${o.ok2xx} / ${o.unavailable503} / ${o.other5xx}` : '–'
        } | ${o.recoverSeconds} |`,
    );
    console.log(`\n  fault table:\n\n${[header, '|---|---|---|---|---|---|---|', ...lines].join('\n')}\n`);
    expect(
      unclean.map((c) => `${c.name}: ${JSON.stringify(c.exit)}`),
      'exits on SIGTERM',
    ).to.deep.equal([]);
  });

  afterEach(function () {
    if (this.currentTest?.state === 'failed')
      for (const c of children) if (c.running) console.log(c.tail(25));
  });

  for (const mode of ['combined', 'split'] as const) {
    it(`terminate every backend ${KILLS}× under load (${mode === 'combined' ? 'web + worker in one process' : 'separate web and worker'})`, async () => {
      const db = await newDatabase(adminUrl, `kill_${mode}`);
      const app = await startApp(db, mode);
      await underLoad(`terminate all backends ×${KILLS} (${mode})`, db, app, () =>
        terminateAll(db, app.procs),
      );
      // Ready again: database reachable and the worker runner alive.
      await waitReady(app.procs[0], app.base, 30_000);
      await stopApp(db, app);
    });
  }

  it(`PostgreSQL stopped for ${DB_DOWN_MS / 1000} s and started again (embedded server)`, async function () {
    const dir = path.join(tmpDir, 'pg-stop');
    let server = await startEmbeddedPostgres(dir, { persistent: true });
    embedded.push(server);
    const port = server.port;
    const db = await newDatabase(server.url, 'stop');
    const app = await startApp(db, 'combined');
    let readyzDuringOutage = 0;
    await underLoad(`PostgreSQL down ${DB_DOWN_MS / 1000} s (combined)`, db, app, async () => {
      await new Promise((r) => setTimeout(r, 300));
      await server.stop();
      const downAt = Date.now();
      readyzDuringOutage = (await fetch(`${app.base}/readyz`)).status;
      await new Promise((r) => setTimeout(r, DB_DOWN_MS - (Date.now() - downAt)));
      server = await startEmbeddedPostgres(dir, { persistent: true, port });
      embedded.push(server);
    });
    expect(readyzDuringOutage).to.equal(503);
    await waitReady(app.procs[0], app.base, 60_000);
    await stopApp(db, app);
  });

  it(`SMTP refusing for ${SMTP_DOWN_MS / 1000} s: every email delivered once after recovery`, async () => {
    const appDb = await newDatabase(adminUrl, 'smtp');
    const app = await startApp(appDb, 'combined');
    smtp.refuse(true);
    const refusedAt = Date.now();
    const prefix = `smtp-${run}`;
    await appDb.q(
      `select graphile_worker.add_job('send_email',
                json_build_object('ledgerKey', $1 || ':' || i, 'template', 'custom_reminder',
                  'to', $1 || '-' || i || '@faults.test',
                  'vars', json_build_object('recipientName', 'Fault ' || i, 'message', 'fault ' || i, 'dueAtLocal', 'now')),
                job_key => 'send_email:' || $1 || ':' || i)
         from generate_series(1, $2::int) i`,
      [prefix, EMAILS],
    );
    await new Promise((r) => setTimeout(r, SMTP_DOWN_MS - (Date.now() - refusedAt)));
    const refusedDuring = smtp.messages.filter((m) => m.to.some((t) => t.startsWith(`${prefix}-`))).length;
    smtp.refuse(false);
    const upAt = Date.now();
    const delivered = () => smtp.messages.flatMap((m) => m.to).filter((t) => t.startsWith(`${prefix}-`));
    await waitUntil(() => new Set(delivered()).size === EMAILS, RECOVER_WITHIN_MS, `${EMAILS} emails`);
    const recoverSeconds = Math.round((Date.now() - upAt) / 100) / 10;
    // Every email job finished (none left to send a duplicate) before counting.
    await waitUntil(
      async () =>
        !(
          await appDb.q(`select 1 from graphile_worker.jobs where key like 'send_email:' || $1 || ':%'`, [
            prefix,
          ])
        ).length,
      30_000,
      'email jobs to finish',
    );
    const all = delivered();
    outcomes.push({
      fault: `SMTP refusing ${SMTP_DOWN_MS / 1000} s`,
      jobs: EMAILS,
      done: new Set(all).size,
      lost: EMAILS - new Set(all).size,
      duplicated: all.length - new Set(all).size,
      reruns: Number(
        (
          await appDb.q<{ n: number }>(
            `select count(*)::int as n from job_history where task = 'send_email' and outcome = 'failed' and job_key like 'send_email:' || $1 || ':%'`,
            [prefix],
          )
        )[0].n,
      ),
      requests: 0,
      ok2xx: 0,
      unavailable503: 0,
      other5xx: 0,
      recoverSeconds,
    });
    expect(refusedDuring, 'nothing delivered while refusing').to.equal(0);
    expect(all.length, 'each email exactly once').to.equal(EMAILS);
    await stopApp(appDb, app);
  });
});
