/**
 * Job throughput and enqueue → start latency: clinicflow's worker setup (startWorker with job history
 * and heartbeats attached) against bare graphile-worker `run()` with the same concurrency, on the
 * same database server in the same run.
 */
import { EventEmitter } from 'node:events';
import { Logger, run, runMigrations, type Task, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import { workerExtensions } from '../bin/extensions.js';
import { connectDatabase, disconnectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { startWorker } from '../worker/index.js';
import { fmt, freshDatabase, percentile, type BenchResult } from './lib.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const CONCURRENCY = 10;
const LATENCY_SAMPLES = 500;

type Starter = (url: string, taskList: Record<string, Task>) => Promise<{ stop(): Promise<void> }>;

const clinicflowWorker: Starter = async (url, taskList) => {
  const logger = createLogger('silent');
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url });
  const handle = await startWorker({
    connectionString: url,
    concurrency: CONCURRENCY,
    logger,
    taskList,
    crontab: '',
    onEvents: workerExtensions(config, logger),
  });
  return { stop: () => handle.stop() };
};

// Bare graphile-worker's default logger prints a line per job; silenced so the baseline is not handicapped.
const silent = new Logger(() => () => {});

const bareWorker: Starter = async (url, taskList) => {
  const pool = new pg.Pool({ connectionString: url, max: CONCURRENCY + 4 });
  pool.on('error', () => {});
  const runner = await run({
    pgPool: pool,
    concurrency: CONCURRENCY,
    taskList,
    noHandleSignals: true,
    pollInterval: 1000,
    events: new EventEmitter() as WorkerEvents,
    logger: silent,
  });
  return {
    async stop() {
      await runner.stop();
      await pool.end();
    },
  };
};

async function throughput(url: string, start: Starter): Promise<number> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  await pool.query(
    `select graphile_worker.add_jobs(array(select ('bench_noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec from generate_series(1, $1)))`,
    [JOBS],
  );
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const t0 = performance.now();
  const worker = await start(url, {
    bench_noop: async () => {
      if (++done === JOBS) resolveAll();
    },
  });
  await all;
  // Completion is written after the task returns: wait until the queue is really empty.
  while ((await pool.query('select count(*)::int as n from graphile_worker.jobs')).rows[0].n > 0)
    await new Promise((r) => setTimeout(r, 5));
  const seconds = (performance.now() - t0) / 1000;
  await worker.stop();
  await pool.end();
  return JOBS / seconds;
}

async function latency(url: string, start: Starter): Promise<number[]> {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const samples: number[] = [];
  const waiters = new Map<number, () => void>();
  const worker = await start(url, {
    bench_latency: async (payload) => {
      const { i, t } = payload as { i: number; t: number };
      samples.push(performance.timeOrigin + performance.now() - t);
      waiters.get(i)?.();
    },
  });
  for (let i = 0; i < LATENCY_SAMPLES; i++) {
    const started = new Promise<void>((r) => waiters.set(i, r));
    await pool.query(`select graphile_worker.add_job('bench_latency', $1::json)`, [
      JSON.stringify({ i, t: performance.timeOrigin + performance.now() }),
    ]);
    await started;
  }
  await worker.stop();
  await pool.end();
  return samples;
}

/** Runs the job benchmarks and returns their result rows. */
export async function benchJobs(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  try {
    const knex = connectDatabase(db.url, 4);
    await migrateDatabase(knex, db.url);
    await disconnectDatabase();
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    await runMigrations({ pgPool: pool });
    await pool.end();
    // Alternate and keep the best of two so one cold run does not decide the ratio.
    const bare = Math.max(await throughput(db.url, bareWorker), await throughput(db.url, bareWorker));
    const ours = Math.max(
      await throughput(db.url, clinicflowWorker),
      await throughput(db.url, clinicflowWorker),
    );
    const bareLat = await latency(db.url, bareWorker);
    const ourLat = await latency(db.url, clinicflowWorker);
    const p = (s: number[], q: number) => percentile(s, q);
    return [
      {
        name: `job throughput (${JOBS.toLocaleString('en-US')} no-op jobs, concurrency ${CONCURRENCY})`,
        clinicflow: `${fmt(ours, 0)} jobs/s`,
        baseline: `${fmt(bare, 0)} jobs/s (bare graphile-worker)`,
        ratio: fmt(ours / bare, 2),
        target: '≥ 0.90',
        met: ours / bare >= 0.9,
      },
      {
        name: 'enqueue → start latency p50',
        clinicflow: `${fmt(p(ourLat, 50), 2)} ms`,
        baseline: `${fmt(p(bareLat, 50), 2)} ms`,
        ratio: fmt(p(bareLat, 50) / p(ourLat, 50), 2),
        target: '≤ 5 ms',
        met: p(ourLat, 50) <= 5,
      },
      {
        name: 'enqueue → start latency p99',
        clinicflow: `${fmt(p(ourLat, 99), 2)} ms`,
        baseline: `${fmt(p(bareLat, 99), 2)} ms`,
        ratio: fmt(p(bareLat, 99) / p(ourLat, 99), 2),
        target: '—',
        met: null,
      },
    ];
  } finally {
    await db.drop();
  }
}
