import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { workerExtensions } from '../../bin/extensions.js';
import { recoverStaleWorkers } from '../../domain/jobs/heartbeats.js';
import { createLogger } from '../../lib/logger.js';
import { startWorker, type WorkerHandle } from '../../worker/index.js';
import { crashProbe } from '../fixtures/crash-probe.js';
import { testContext } from '../helpers/context.js';
import { drainJobs } from '../helpers/jobs.js';
import { waitUntil } from '../helpers/wait.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const knex = () => testContext().knex;

/** Starts the fixture worker process and resolves with its worker pool id once it beats. */
function spawnWorker(): { child: ChildProcess; ready: Promise<string>; started: Promise<string> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/crash-worker.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: testContext().databaseUrl, HEARTBEAT_MS: '200', NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const lines = createInterface({ input: child.stdout! });
  const line = (prefix: string) =>
    new Promise<string>((resolve, reject) => {
      lines.on('line', (l) => l.startsWith(prefix) && resolve(l.slice(prefix.length).trim()));
      child.once('exit', (code) =>
        reject(new Error(`worker exited (${code}) before "${prefix}": ${stderr.slice(-2000)}`)),
      );
    });
  return { child, ready: line('ready '), started: line('started ') };
}

async function parkedJobLockedBy(workerId: string, lockedAgo: string): Promise<string> {
  const { rows } = await knex().raw(`select (graphile_worker.add_job(?, '{}'::json)).id::text as id`, [
    `ops_test_parked_${randomUUID().slice(0, 8)}`,
  ]);
  await knex().raw(
    `update graphile_worker._private_jobs set locked_at = now() - ?::interval, locked_by = ? where id = ?::bigint`,
    [lockedAgo, workerId, rows[0].id],
  );
  return rows[0].id;
}
const lockOf = async (id: string) =>
  (await knex().raw('select locked_by from graphile_worker.jobs where id = ?::bigint', [id])).rows[0]
    ?.locked_by ?? null;

describe('crash recovery', () => {
  let child: ChildProcess | undefined;
  let rescuer: WorkerHandle | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rescuer?.stop();
    rescuer = undefined;
  });

  it('completes the job of a SIGKILLed worker on another worker within the stale threshold plus one sweep', async function () {
    this.timeout(60_000);
    // Above the suite worker's 15 s heartbeat period, so the sweeps never take it for dead.
    const STALE_SECONDS = 20;
    const SWEEP_MS = 1000;
    const spawned = spawnWorker();
    child = spawned.child;
    const deadWorkerId = await spawned.ready;

    const { rows } = await knex().raw(
      `select (graphile_worker.add_job('ops_crash_probe', '{}'::json, max_attempts => 3)).id::text as id`,
    );
    const jobId = rows[0].id as string;
    expect(await spawned.started).to.equal(jobId);
    expect(await lockOf(jobId)).to.equal(deadWorkerId);

    // While the worker beats, a sweep leaves its lock alone.
    expect((await recoverStaleWorkers(knex(), STALE_SECONDS)).map((r) => r.workerId)).not.to.include(
      deadWorkerId,
    );
    expect(await lockOf(jobId)).to.equal(deadWorkerId);

    child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => child!.once('exit', r));

    // Another clinicflow worker that knows the probe task.
    const logger = createLogger('silent');
    const extensions = workerExtensions(testContext().config, logger, {
      heartbeatMs: 200,
      historyFlushMs: 50,
    });
    let rescuerId = '';
    rescuer = await startWorker({
      connectionString: testContext().databaseUrl,
      concurrency: 1,
      logger,
      taskList: { ops_crash_probe: crashProbe },
      crontab: '',
      onEvents: (events, pool) => {
        events.on('pool:create', ({ workerPool }) => (rescuerId = workerPool.id));
        return extensions(events, pool);
      },
    });
    expect(rescuerId).to.be.a('string').and.not.equal('');

    // The cron sweep, run every SWEEP_MS here instead of every minute.
    let recovered: Awaited<ReturnType<typeof recoverStaleWorkers>> = [];
    const sweeper = setInterval(() => {
      void recoverStaleWorkers(knex(), STALE_SECONDS).then((r) => (recovered = recovered.concat(r)));
    }, SWEEP_MS);
    try {
      const run = await waitUntil(
        async () => {
          return (await knex()('jobHistory').where({ jobId, outcome: 'completed' }).first()) as
            { workerId: string; attempt: number } | undefined;
        },
        40_000,
        'the probe job to complete on the rescuer',
      );
      const elapsed = Date.now() - killedAt;
      expect(run.workerId).to.equal(rescuerId);
      expect(run.attempt).to.equal(2);
      // Threshold + one sweep + the rescuer's poll interval (1 s) + history flush and slack.
      expect(elapsed).to.be.below(STALE_SECONDS * 1000 + SWEEP_MS + 1000 + 1500);
    } finally {
      clearInterval(sweeper);
    }
    expect(recovered.map((r) => [r.workerId, r.jobIds])).to.deep.include([deadWorkerId, [jobId]]);
    const recoveries = await knex()('workerRecoveries').where({ workerId: deadWorkerId });
    expect(recoveries.map((r: { jobIds: number[] }) => r.jobIds.map(String))).to.deep.equal([[jobId]]);
    expect(
      (await knex().raw('select 1 from worker_heartbeats where worker_id = ?', [deadWorkerId])).rows,
    ).to.have.length(0);
  });

  it("recover_stale_workers (the cron task) unlocks stale and heartbeat-less locks but never a live worker's", async () => {
    const dead = `ops-test-dead-${randomUUID().slice(0, 8)}`;
    const alive = `ops-test-alive-${randomUUID().slice(0, 8)}`;
    const unknownOld = `ops-test-unknown-${randomUUID().slice(0, 8)}`;
    const unknownNew = `ops-test-fresh-${randomUUID().slice(0, 8)}`;
    await knex()('workerHeartbeats').insert([
      { workerId: dead, pid: 1, host: 'gone', lastSeen: knex().raw(`now() - interval '1 hour'`) },
      { workerId: alive, pid: 2, host: 'here' },
    ]);
    const deadJob = await parkedJobLockedBy(dead, '1 hour');
    const aliveJob = await parkedJobLockedBy(alive, '3 hours');
    const unknownOldJob = await parkedJobLockedBy(unknownOld, '1 hour');
    const unknownNewJob = await parkedJobLockedBy(unknownNew, '1 second');
    try {
      const { rows } = await knex().raw(
        `select (graphile_worker.add_job('recover_stale_workers', '{}'::json)).id::text as id`,
      );
      await drainJobs('recover_stale_workers');
      expect(
        (await knex().raw('select 1 from graphile_worker.jobs where id = ?::bigint', [rows[0].id])).rows,
      ).to.have.length(0);
      expect(await lockOf(deadJob)).to.equal(null);
      expect(await lockOf(unknownOldJob)).to.equal(null);
      expect(await lockOf(aliveJob)).to.equal(alive);
      expect(await lockOf(unknownNewJob)).to.equal(unknownNew);
      const rec = await knex()('workerRecoveries').whereIn('workerId', [dead, alive, unknownOld, unknownNew]);
      expect(rec.map((r: { workerId: string }) => r.workerId).sort()).to.deep.equal(
        [dead, unknownOld].sort(),
      );
      // Running it again changes nothing.
      expect(
        (await recoverStaleWorkers(knex(), 120)).filter((r) =>
          [dead, alive, unknownOld, unknownNew].includes(r.workerId),
        ),
      ).to.deep.equal([]);
    } finally {
      await knex().raw(`select graphile_worker.force_unlock_workers(?::text[])`, [[alive, unknownNew]]);
      await knex().raw(`select graphile_worker.complete_jobs(?::bigint[])`, [
        [deadJob, aliveJob, unknownOldJob, unknownNewJob],
      ]);
      await knex()('workerHeartbeats').whereIn('workerId', [dead, alive]).delete();
    }
  });
});
