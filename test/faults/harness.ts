/**
 * What every fault case of `npm run test:faults` shares: a database with clinicflow's schema and the
 * probe tables ({@link AppDatabase}), request load, and the {@link FaultRig} that starts processes of
 * the production build (`dist/`), applies load across a fault and records each case's outcome for the
 * table printed at the end.
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

// The storage case reads the bucket with the AWS SDK, which warns once per process on Node < 22 that
// its 2027 releases will need Node 22 (as in test/setup.ts: the suite runs on Node 20 on purpose).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export const JOBS = 500;
export const REQUESTS = 100;
const REQUEST_CONCURRENCY = 10;
const WORKER_CONCURRENCY = 5;
/** Each probe job works this long, so jobs are in flight when the connections drop. */
const PROBE_WORK_MS = 40;
export const RECOVER_WITHIN_MS = 60_000;

/** One row of the fault table. */
export interface Outcome {
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

/** A short random suffix for this run's database names and keys. */
export const run = randomBytes(3).toString('hex');

/** Seconds since `since`, to one decimal. */
export const secondsSince = (since: number): number => Math.round((Date.now() - since) / 100) / 10;

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

export async function adminQuery(
  adminUrl: string,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult> {
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
export class AppDatabase {
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

  /** Jobs of `task` still queued (waiting, retrying or locked) whose key starts with `keyPrefix`. */
  async jobsLeft(keyPrefix: string): Promise<number> {
    const [row] = await this.q<{ n: number }>(
      `select count(*)::int as n from graphile_worker.jobs where key like $1 || '%'`,
      [keyPrefix],
    );
    return row.n;
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

/** A running case: its base URL and its processes (the web process first, the worker last). */
export interface RunningApp {
  base: string;
  procs: BuiltProcess[];
}

/**
 * The suite's shared state: the PostgreSQL server cases create their databases on, an SMTP inbox,
 * the children spawned, the embedded servers started and the outcomes recorded.
 */
export class FaultRig {
  readonly children: BuiltProcess[] = [];
  readonly smtp = new SmtpInbox();
  readonly dbs: AppDatabase[] = [];
  readonly embedded: EmbeddedDatabase[] = [];
  readonly outcomes: Outcome[] = [];
  tmpDir = '';
  adminUrl = '';
  jwtSecret = '';
  baseEnv: Record<string, string> = {};

  async setUp(): Promise<void> {
    this.tmpDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-faults-'));
    chmodSync(this.tmpDir, 0o755);
    const candidate = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
    if (await usable(candidate)) {
      this.adminUrl = candidate;
      console.log(`  using PostgreSQL at ${new URL(candidate).host}`);
    } else {
      console.log(`  ${new URL(candidate).host} unreachable or nearly full: using an embedded PostgreSQL`);
      const e = await startEmbeddedPostgres(path.join(this.tmpDir, 'pg-main'), { persistent: false });
      this.embedded.push(e);
      this.adminUrl = e.url;
    }
    await this.smtp.start();
    this.jwtSecret = randomBytes(32).toString('hex');
    this.baseEnv = {
      NODE_ENV: 'production',
      JWT_SECRET: this.jwtSecret,
      SMTP_URL: `smtp://127.0.0.1:${this.smtp.port}?ignoreTLS=true`,
      HOST: '127.0.0.1',
      APP_URL: 'http://clinicflow.test',
      DATA_DIR: this.tmpDir,
      LOG_LEVEL: 'warn',
      FAULT_PROBE_TASK: 'true',
      WORKER_CONCURRENCY: String(WORKER_CONCURRENCY),
      // The product's cap is 30 s; 5 s keeps the 20 s server stop from costing up to 30 s more here.
      WORKER_RESTART_MAX_MS: '5000',
    };
  }

  /** Stops everything; fails when a child did not exit cleanly on SIGTERM. Prints the fault table. */
  async tearDown(): Promise<void> {
    await Promise.all(this.children.map((c) => c.terminate(15_000).catch(() => c.kill())));
    const unclean = this.children.filter((c) => c.exit && c.exit.code !== 0 && c.exit.signal !== 'SIGKILL');
    await Promise.all(this.dbs.map((d) => d.drop()));
    await this.smtp.stop().catch(() => undefined);
    for (const e of this.embedded) await e.stop().catch(() => undefined);
    if (this.tmpDir) rmSync(this.tmpDir, { recursive: true, force: true });
    console.log(`\n  fault table:\n\n${this.table()}\n`);
    expect(
      unclean.map((c) => `${c.name}: ${JSON.stringify(c.exit)}`),
      'exits on SIGTERM',
    ).to.deep.equal([]);
  }

  table(): string {
    const header =
      '| fault | jobs done | lost | done twice | re-runs | requests 2xx / 503 / other 5xx | seconds to recover |';
    const lines = this.outcomes.map(
      (o) =>
        `| ${o.fault} | ${o.done}/${o.jobs} | ${o.lost} | ${o.duplicated} | ${o.reruns} | ${
          o.requests ? `${o.ok2xx} / ${o.unavailable503} / ${o.other5xx}` : '–'
        } | ${o.recoverSeconds} |`,
    );
    return [header, '|---|---|---|---|---|---|---|', ...lines].join('\n');
  }

  /** Prints the recent output of every live child (after a failed case). */
  printTails(): void {
    for (const c of this.children) if (c.running) console.log(c.tail(25));
  }

  spawnBuilt(name: string, entry: 'web' | 'worker', env: Record<string, string>): BuiltProcess {
    const p = new BuiltProcess(name, entry, { ...this.baseEnv, ...env });
    this.children.push(p);
    return p;
  }

  async newDatabase(admin: string, label: string): Promise<AppDatabase> {
    const db = new AppDatabase(admin, `clinicflow_faults_${label}_${run}`);
    this.dbs.push(db);
    await db.create(this.baseEnv, this.jwtSecret);
    return db;
  }

  /**
   * Web + worker in one process (`combined`), or a web and a worker process (`split`), with `env`
   * added to each; resolves when the web process is ready and the worker has written its heartbeat.
   */
  async startApp(
    db: AppDatabase,
    mode: 'combined' | 'split',
    env: Record<string, string> = {},
  ): Promise<RunningApp> {
    const port = await freePort();
    const web = this.spawnBuilt(`web-${db.name}`, 'web', {
      ...env,
      DATABASE_URL: db.url,
      PORT: String(port),
      RUN_WORKER: mode === 'combined' ? 'true' : 'false',
    });
    const procs = [web];
    const base = `http://127.0.0.1:${port}`;
    await waitReady(web, base);
    if (mode === 'split') {
      procs.push(this.spawnBuilt(`worker-${db.name}`, 'worker', { ...env, DATABASE_URL: db.url }));
    }
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
  async stopApp(db: AppDatabase, app: RunningApp): Promise<void> {
    for (const p of app.procs) {
      const { code, signal } = await p.terminate(30_000);
      expect({ code, signal }, `${p.name} on SIGTERM\n${p.tail()}`).to.deep.equal({ code: 0, signal: null });
    }
    expect(await db.q('select worker_id from worker_heartbeats'), 'heartbeat rows left').to.deep.equal([]);
    await db.drop();
  }

  /**
   * Jobs and requests in flight, then `fault` (which resolves when the fault is over); checks every
   * job done exactly once within RECOVER_WITHIN_MS of the fault's end, every 2xx's row stored, no
   * 5xx but 503, and the processes still the same ones.
   */
  async underLoad(
    label: string,
    db: AppDatabase,
    app: RunningApp,
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
    const recoverSeconds = secondsSince(faultOver);
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
    this.outcomes.push(outcome);
    expect(left, 'jobs left in the queue').to.deep.equal([]);
    expect(counts.duplicated, 'probes done twice').to.equal(0);
    expect(stored.length, "2xx requests' rows stored").to.equal(created.length);
    expect(
      statuses.filter((s) => !(s === 201 || s === 503)),
      'statuses other than 201 and 503',
    ).to.deep.equal([]);
    this.expectNoRestart(app);
    return outcome;
  }

  /** Every process of the case is still the one started (recovery without a restart). */
  expectNoRestart(app: RunningApp): void {
    for (const p of app.procs)
      expect(p.running, `${p.name} still running (no restart)\n${p.tail()}`).to.equal(true);
  }
}

export { waitReady };
