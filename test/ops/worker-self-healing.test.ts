import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import type { Task } from 'graphile-worker';
import pg from 'pg';
import { workerExtensions } from '../../bin/extensions.js';
import { FAULT_PROBE_TABLES_SQL } from '../../domain/jobs/fault-probe.js';
import { createLogger } from '../../lib/logger.js';
import { setReadinessCheck } from '../../lib/readiness.js';
import { startWorker, type WorkerHandle } from '../../worker/index.js';
import { testContext } from '../helpers/context.js';
import { request } from '../helpers/http.js';
import { TcpProxy } from '../helpers/tcp-proxy.js';
import { waitUntil } from '../helpers/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const knex = () => testContext().knex;

/** Terminates every backend opened under `applicationName` (a failover, as the worker sees it). */
async function terminateBackends(applicationName: string): Promise<number> {
  const { rows } = await knex().raw(
    `select count(pg_terminate_backend(pid))::int as n from pg_stat_activity
      where datname = current_database() and application_name = ? and pid <> pg_backend_pid()`,
    [applicationName],
  );
  return rows[0].n;
}

describe('self-healing worker', () => {
  describe('in this process', () => {
    let handle: WorkerHandle | undefined;
    let unregisterReadiness: (() => void) | undefined;
    let locker: pg.Client | undefined;
    let openGate: () => void = () => undefined;
    afterEach(async () => {
      openGate();
      unregisterReadiness?.();
      await locker?.end().catch(() => undefined);
      locker = undefined;
      await handle?.stop();
      handle = undefined;
      await knex().raw('drop trigger if exists ops_test_hb_log on worker_heartbeats');
      await knex().raw('drop function if exists ops_test_hb_log()');
      await knex().raw('drop table if exists ops_test_hb_writes');
    });

    it("restarts a runner killed by terminated connections, unlocks the dead pool's job, stops its heartbeat and answers /readyz 503 until then", async function () {
      this.timeout(40_000);
      const appName = `ops-heal-${randomBytes(4).toString('hex')}`;
      const task = `ops_heal_probe_${randomBytes(4).toString('hex')}`;
      const gate = new Promise<void>((r) => (openGate = r));
      const runs: { jobId: string; attempt: number }[] = [];
      const probe: Task = async (_payload, helpers) => {
        runs.push({ jobId: String(helpers.job.id), attempt: helpers.job.attempts });
        if (helpers.job.attempts === 1) await gate;
      };
      // Every heartbeat write, in order, to prove the dead pool's row is never written again.
      await knex().raw(`
        create table ops_test_hb_writes (id bigserial primary key, worker_id text not null, op text not null);
        create function ops_test_hb_log() returns trigger language plpgsql as $$
          begin
            insert into ops_test_hb_writes (worker_id, op) values (coalesce(new.worker_id, old.worker_id), tg_op);
            return null;
          end $$;
        create trigger ops_test_hb_log after insert or update or delete on worker_heartbeats
          for each row execute function ops_test_hb_log();
      `);
      const logger = createLogger(process.env.OPS_TEST_LOG ?? 'silent');
      handle = await startWorker({
        connectionString: testContext().databaseUrl,
        concurrency: 2,
        logger,
        taskList: { [task]: probe },
        crontab: '',
        applicationName: appName,
        // Leaves a window of seconds between the death and the restart to look at.
        restartMinMs: 3000,
        onEvents: workerExtensions(testContext().config, logger, { heartbeatMs: 100, historyFlushMs: 50 }),
      });
      const h = handle;
      unregisterReadiness = setReadinessCheck('worker', () => h.isAlive());
      const [deadPoolId] = h.status().livePoolIds;
      expect(deadPoolId).to.be.a('string');
      expect((await request('GET', '/readyz')).status).to.equal(200);

      const { rows } = await knex().raw(`select (graphile_worker.add_job(?, '{}'::json)).id::text as id`, [
        task,
      ]);
      const jobId = rows[0].id as string;
      await waitUntil(() => runs.some((r) => r.jobId === jobId), 10_000, 'the probe job to start');

      // Hold the jobs table so the completion the probe is about to write waits on a lock; then the
      // database drops the worker's connections, as in a failover. The completion fails and
      // graphile-worker ends the runner ("worker pool exited with error").
      locker = new pg.Client({ connectionString: testContext().databaseUrl });
      await locker.connect();
      await locker.query('begin');
      await locker.query('lock table graphile_worker._private_jobs in exclusive mode');
      const died = new Promise<{ poolIds: string[]; reason: string }>((r) => h.lifecycle.once('died', r));
      const restarted = new Promise<{ poolIds: string[]; unlockedJobs: number }>((r) =>
        h.lifecycle.once('restarted', r),
      );
      openGate();
      await waitUntil(
        async () =>
          (
            await knex().raw(
              `select 1 from pg_stat_activity where application_name = ? and wait_event_type = 'Lock'`,
              [appName],
            )
          ).rows.length,
        10_000,
        "the probe's completion to wait on the lock",
      );
      expect(await terminateBackends(appName)).to.be.greaterThan(0);
      const death = await died;
      expect(death.poolIds).to.deep.equal([deadPoolId]);
      expect(h.isAlive()).to.equal(false);
      const ready = await request('GET', '/readyz');
      expect(ready.status).to.equal(503);
      expect(ready.body.error.code).to.equal('not_ready');
      await locker.query('commit');
      // The jobs admin stats and clinicflow_workers_live stop counting the dead pool at its death, not
      // at the restart: its heartbeat row is gone while the worker still waits out its backoff.
      await waitUntil(
        async () => !(await knex()('workerHeartbeats').where({ workerId: deadPoolId })).length,
        5_000,
        "the dead pool's heartbeat row to go",
      );
      expect(h.status().state).to.equal('restarting');
      // (Counting every live pool here raced with the suite's own worker's heartbeats; the stats are
      // derived from these rows, so the dead pool's row being gone is what stops it being counted.)

      const restart = await restarted;
      expect(restart.unlockedJobs).to.equal(1);
      expect(restart.poolIds).to.have.length(1).and.not.include(deadPoolId);
      expect(h.isAlive()).to.equal(true);
      expect((await request('GET', '/readyz')).status).to.equal(200);

      // The dead pool's job was unlocked at restart and ran again; a new job runs too.
      await waitUntil(() => runs.some((r) => r.jobId === jobId && r.attempt === 2), 10_000, 'the retry');
      const { rows: next } = await knex().raw(
        `select (graphile_worker.add_job(?, '{}'::json)).id::text as id`,
        [task],
      );
      await waitUntil(
        async () =>
          !(
            await knex().raw('select 1 from graphile_worker.jobs where id = any(?::bigint[])', [
              [jobId, next[0].id],
            ])
          ).rows.length,
        10_000,
        'both jobs to complete',
      );
      const recoveries = await knex()('workerRecoveries').where({ workerId: deadPoolId });
      expect(recoveries.map((r: { jobIds: number[] }) => r.jobIds.map(String))).to.deep.equal([[jobId]]);

      // Heartbeats: the dead pool's row went away and was never written again; the new pool beats.
      const [livePoolId] = restart.poolIds;
      await waitUntil(
        async () =>
          (await knex()('opsTestHbWrites').where({ workerId: livePoolId }).whereNot({ op: 'DELETE' }))
            .length >= 3,
        5_000,
        'the new pool to beat',
      );
      const writes = (await knex()('opsTestHbWrites').where({ workerId: deadPoolId }).orderBy('id')) as {
        op: string;
      }[];
      const firstDelete = writes.findIndex((w) => w.op === 'DELETE');
      expect(firstDelete).to.be.greaterThan(0);
      expect(writes.slice(firstDelete).filter((w) => w.op !== 'DELETE')).to.deep.equal([]);
      expect(await knex()('workerHeartbeats').where({ workerId: deadPoolId })).to.deep.equal([]);
    });
  });

  describe('in a separate process', () => {
    let child: ChildProcess | undefined;
    let proxy: TcpProxy | undefined;
    let dataDir: string | undefined;
    afterEach(async () => {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await proxy?.cut();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    it('answers 503 database_unavailable while the database is away, and a SIGTERM during restart backoff exits 0 and removes its heartbeat', async function () {
      this.timeout(60_000);
      await knex().raw(FAULT_PROBE_TABLES_SQL);
      const dbUrl = new URL(testContext().databaseUrl);
      proxy = new TcpProxy(dbUrl.hostname, Number(dbUrl.port || 5432));
      await proxy.restore();
      dataDir = mkdtempSync(path.join(os.tmpdir(), 'clinicflow-heal-'));
      const port = 20_000 + Math.floor(Math.random() * 20_000);
      child = spawn(process.execPath, ['--import', 'tsx', 'bin/web.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          DATABASE_URL: proxy.urlFor(testContext().databaseUrl),
          PORT: String(port),
          HOST: '127.0.0.1',
          RUN_WORKER: 'true',
          WORKER_CONCURRENCY: '1',
          // Long enough that the SIGTERM below certainly lands in the backoff.
          WORKER_RESTART_MIN_MS: '20000',
          FAULT_PROBE_TASK: 'true',
          JWT_SECRET: randomBytes(32).toString('hex'),
          DATA_DIR: dataDir,
          LOG_LEVEL: 'info',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: string[] = [];
      const seen = new Map<string, () => void>();
      const waitLog = (msg: string) =>
        new Promise<void>((resolve) => {
          if (output.some((l) => l.includes(`"msg":"${msg}`))) resolve();
          else seen.set(msg, resolve);
        });
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (l) => {
          output.push(l);
          for (const [msg, resolve] of seen) if (l.includes(`"msg":"${msg}`)) resolve();
        });
      }
      const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
      const base = `http://127.0.0.1:${port}`;
      await waitUntil(
        async () => {
          if (child!.exitCode !== null) throw new Error(`exited: ${output.slice(-20).join('\n')}`);
          return (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200;
        },
        30_000,
        'the process to be ready',
      );
      const poolId = await waitUntil(
        async () =>
          (await knex()('workerHeartbeats').where({ pid: child!.pid }).first())?.workerId as
            string | undefined,
        10_000,
        'its heartbeat',
      );

      // A job is running when the database goes away, so its outcome cannot be written and the runner dies.
      const probeId = randomUUID();
      await knex()('faultProbes').insert({ id: probeId });
      const { rows } = await knex().raw(
        `select (graphile_worker.add_job('fault_probe', json_build_object('probeId', ?::text, 'workMs', 1500))).id::text as id`,
        [probeId],
      );
      await waitUntil(
        async () => (await knex()('faultProbeRuns').where({ probeId })).length,
        10_000,
        'the probe',
      );
      await proxy.cut();
      await waitLog('worker runner died');

      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).to.equal(503);
      expect(((await ready.json()) as { error: { code: string } }).error.code).to.equal(
        'database_unavailable',
      );
      const login = await fetch(`${base}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'nobody@example.test', password: 'whatever-123' }),
      });
      expect(login.status).to.equal(503);
      expect(login.headers.get('retry-after')).to.match(/^\d+$/);
      expect(((await login.json()) as { error: { code: string } }).error.code).to.equal(
        'database_unavailable',
      );

      // The database is back, the worker still waits out its backoff: SIGTERM now.
      await proxy.restore();
      child.kill('SIGTERM');
      expect(await exited).to.equal(0);
      expect(output.join('\n')).not.to.include('Runner is already stopped');
      expect(await knex()('workerHeartbeats').where({ workerId: poolId })).to.deep.equal([]);
      // The probe job the dead pool held was released on the way out.
      const job = (
        await knex().raw('select locked_by from graphile_worker.jobs where id = ?::bigint', [rows[0].id])
      ).rows[0];
      expect(job?.locked_by ?? null).to.equal(null);
      // Connection errors went through the structured logger: every line is JSON.
      expect(output.filter((l) => !l.startsWith('{'))).to.deep.equal([]);
    });
  });
});
