/**
 * Job throughput and enqueue → start latency: clinicflow's worker setup (startWorker with job history
 * and heartbeats attached) against bare graphile-worker `run()` with the same concurrency and the same
 * graphile-worker options, on the same database server in the same run. Each comparison is made twice:
 * with graphile-worker's default options on both sides, and with clinicflow's preset on both sides.
 */
import { EventEmitter } from 'node:events';
import { Logger, run, runMigrations, type Task, type WorkerEvents } from 'graphile-worker';
import { workerExtensions } from '../bin/extensions.js';
import { connectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { loadConfig } from '../lib/config.js';
import { createLogger } from '../lib/logger.js';
import { WORKER_PRESET, startWorker } from '../worker/index.js';
import { benchPool, type BenchResult, closeBenchApp, fmt, freshDatabase, percentile } from './lib.js';

const JOBS = Number(process.env.BENCH_JOBS ?? 20_000);
const CONCURRENCY = 10;
const LATENCY_SAMPLES = 500;
/** How long the throughput loop may wait for the queue to drain before it gives up. */
const DRAIN_LIMIT_MS = 120_000;

export type Starter = (url: string, taskList: Record<string, Task>) => Promise<{ stop(): Promise<void> }>;

/** clinicflow's worker: startWorker with job history and heartbeats (unless `history` is false). */
export const clinicflowWorker =
  (preset: GraphileConfig.Preset = WORKER_PRESET, history = true, concurrency = CONCURRENCY): Starter =>
  async (url, taskList) => {
    const logger = createLogger('silent');
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: url });
    const handle = await startWorker({
      connectionString: url,
      concurrency,
      logger,
      taskList,
      crontab: '',
      preset,
      onEvents: history ? workerExtensions(config, logger) : undefined,
    });
    return { stop: () => handle.stop() };
  };

// Bare graphile-worker's default logger prints a line per job; silenced so the baseline is not handicapped.
const silent = new Logger(() => () => {});

/** Bare graphile-worker `run()` with its own pool, the same concurrency and the given preset. */
export const bareWorker =
  (preset: GraphileConfig.Preset = WORKER_PRESET, concurrency = CONCURRENCY): Starter =>
  async (url, taskList) => {
    const pool = benchPool(url, concurrency + 4);
    const runner = await run({
      pgPool: pool,
      concurrency,
      taskList,
      noHandleSignals: true,
      pollInterval: 1000,
      events: new EventEmitter() as WorkerEvents,
      logger: silent,
      preset,
    });
    return {
      async stop() {
        await runner.stop();
        await pool.end();
      },
    };
  };

/**
 * A throughput run: jobs/s, and this process's CPU time per job (the worker's own cost, which a
 * loaded machine distorts far less than wall time; PostgreSQL's share is not in it).
 */
interface Throughput {
  rate: number;
  cpuUs: number;
}

async function throughput(url: string, start: Starter): Promise<Throughput> {
  const pool = benchPool(url, 2);
  // Each run inserts and deletes JOBS rows; without a vacuum every run starts on a more bloated
  // table than the one before, and the order of the runs, not the setup, decides the ratio.
  await pool.query('vacuum analyze graphile_worker._private_jobs, graphile_worker._private_tasks');
  await pool.query(
    `select graphile_worker.add_jobs(array(select ('bench_noop', '{}'::json, null, null, null, null, null, null)::graphile_worker.job_spec from generate_series(1, $1)))`,
    [JOBS],
  );
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = await start(url, {
    bench_noop: async () => {
      if (++done === JOBS) resolveAll();
    },
  });
  await all;
  // Completion is written after the task returns: wait until the queue is really empty.
  while ((await pool.query('select count(*)::int as n from graphile_worker.jobs')).rows[0].n > 0) {
    if (performance.now() - t0 > DRAIN_LIMIT_MS) throw new Error('jobs did not drain');
    await new Promise((r) => setTimeout(r, 5));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  await worker.stop();
  await pool.end();
  return { rate: JOBS / seconds, cpuUs: (cpu.user + cpu.system) / JOBS };
}

async function latency(url: string, start: Starter): Promise<number[]> {
  const pool = benchPool(url, 2);
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

/** A database with clinicflow's schema (job history tables) and graphile-worker's. */
async function jobsDatabase() {
  const db = await freshDatabase();
  const knex = connectDatabase(db.url, 4);
  await migrateDatabase(knex, db.url);
  await closeBenchApp();
  const pool = benchPool(db.url, 1);
  await runMigrations({ pgPool: pool });
  await pool.end();
  return db;
}

/**
 * Best of three alternating runs each, so one cold or disturbed run does not decide the ratio: the
 * highest rate and the lowest CPU per job of each side.
 */
async function compareThroughput(
  url: string,
  ours: Starter,
  bare: Starter,
): Promise<[Throughput, Throughput]> {
  const better = (a: Throughput, b: Throughput): Throughput => ({
    rate: Math.max(a.rate, b.rate),
    cpuUs: Math.min(a.cpuUs, b.cpuUs),
  });
  let o: Throughput = { rate: 0, cpuUs: Infinity };
  let b: Throughput = { rate: 0, cpuUs: Infinity };
  for (let round = 0; round < 3; round++) {
    b = better(b, await throughput(url, bare));
    o = better(o, await throughput(url, ours));
  }
  return [o, b];
}

const throughputRow = (label: string, ours: Throughput, bare: Throughput): BenchResult => ({
  name: `job throughput, ${label} (${JOBS.toLocaleString('en-US')} no-op jobs, concurrency ${CONCURRENCY})`,
  clinicflow: `${fmt(ours.rate, 0)} jobs/s, ${fmt(ours.cpuUs, 0)} µs CPU each`,
  baseline: `${fmt(bare.rate, 0)} jobs/s, ${fmt(bare.cpuUs, 0)} µs CPU each (bare graphile-worker, same options)`,
  ratio: fmt(ours.rate / bare.rate, 2),
  target: '≥ 0.95',
  met: ours.rate / bare.rate >= 0.95,
});

/** Runs the job benchmarks and returns their result rows. */
export async function benchJobs(): Promise<BenchResult[]> {
  const db = await jobsDatabase();
  try {
    const defaults: GraphileConfig.Preset = {};
    const [oursDefault, bareDefault] = await compareThroughput(
      db.url,
      clinicflowWorker(defaults),
      bareWorker(defaults),
    );
    const [oursPreset, barePreset] = await compareThroughput(
      db.url,
      clinicflowWorker(WORKER_PRESET),
      bareWorker(WORKER_PRESET),
    );
    const bareLat = await latency(db.url, bareWorker(WORKER_PRESET));
    const ourLat = await latency(db.url, clinicflowWorker(WORKER_PRESET));
    const p = (s: number[], q: number) => percentile(s, q);
    return [
      throughputRow("graphile-worker's default options", oursDefault, bareDefault),
      throughputRow("clinicflow's worker preset (batched completion)", oursPreset, barePreset),
      {
        name: 'enqueue → start latency p50 (one job at a time)',
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

/**
 * `npm run bench -- jobs-profile`: where clinicflow's worker spends its throughput — the same no-op
 * run with job history off and with graphile-worker's local queue on, each against bare
 * graphile-worker with identical options. Not part of the default run.
 */
export async function benchJobsProfile(): Promise<BenchResult[]> {
  const db = await jobsDatabase();
  try {
    const rows: BenchResult[] = [];
    const batching: GraphileConfig.Preset = { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } };
    const localQueue = (size: number): GraphileConfig.Preset => ({
      worker: { ...batching.worker, localQueue: { size } },
    });
    const variants: [string, Starter, Starter][] = [];
    for (const [label, preset] of [
      ['batched completion', batching],
      [`+ localQueue ${CONCURRENCY + 1}`, localQueue(CONCURRENCY + 1)],
      [`+ localQueue ${CONCURRENCY * 5}`, localQueue(CONCURRENCY * 5)],
    ] as const) {
      variants.push([`${label}, history on`, clinicflowWorker(preset, true), bareWorker(preset)]);
      variants.push([`${label}, history off`, clinicflowWorker(preset, false), bareWorker(preset)]);
    }
    for (const [label, ours, bare] of variants) {
      process.stderr.write(`  ${label}…\n`);
      const [o, b] = await compareThroughput(db.url, ours, bare);
      rows.push(throughputRow(label, o, b));
    }
    return rows;
  } finally {
    await db.drop();
  }
}
