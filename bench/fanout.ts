/**
 * Reminder fan-out: with 100,000 future reminder jobs queued (a clinic's next weeks of reminders),
 * 1,000 reminders fall due at the same instant; lateness = when the task started − its `run_at`.
 * The baseline is the same 1,000 on an empty queue, same worker, same run. The task is a bench-only
 * no-op named like the real reminder task (via startWorker's `taskList`), so no email is sent and
 * the figure is the queue's, not SMTP's. Job keys follow the reminder convention, as in production.
 */
import { runMigrations } from 'graphile-worker';
import pg from 'pg';
import { connectDatabase } from '../db/knex.js';
import { migrateDatabase } from '../db/migrate.js';
import { clinicflowWorker } from './jobs.js';
import { benchPool, type BenchResult, closeBenchApp, fmt, freshDatabase, percentile } from './lib.js';

const BACKLOG = Number(process.env.BENCH_BACKLOG ?? 100_000);
const DUE = 1_000;
/** Lead time between queueing the due reminders and their run_at, so all are queued before it. */
const LEAD_MS = 3_000;
const LIMIT_MS = 60_000;
const BATCH = 10_000;

/** Queues `count` keyed reminders, run_at spread evenly over `spreadSeconds` from `runAt`. */
async function queue(
  pool: pg.Pool,
  prefix: string,
  count: number,
  runAt: Date,
  spreadSeconds = 0,
): Promise<void> {
  for (let offset = 0; offset < count; offset += BATCH) {
    await pool.query(
      `select graphile_worker.add_jobs(array(
         select ('send_appointment_reminder', json_build_object('i', i), null,
                 $3::timestamptz + make_interval(secs => $4::float8 * i / $6::int),
                 5, $1 || ':' || i || ':24h', null, null)::graphile_worker.job_spec
           from generate_series($2::int + 1, $2::int + least($5::int, $6::int - $2::int)) as i))`,
      [`send_appointment_reminder:${prefix}`, offset, runAt.toISOString(), spreadSeconds, BATCH, count],
    );
  }
}

/** Queues DUE reminders for one instant LEAD_MS ahead and returns each one's lateness in ms. */
async function dueBurst(url: string, pool: pg.Pool, prefix: string): Promise<number[]> {
  const lateness: number[] = [];
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const worker = await clinicflowWorker()(url, {
    send_appointment_reminder: async (_payload, helpers) => {
      lateness.push(Date.now() - helpers.job.run_at.getTime());
      if (lateness.length === DUE) resolveAll();
    },
  });
  try {
    const { rows } = await pool.query<{ now: Date }>('select now() as now');
    await queue(pool, prefix, DUE, new Date(rows[0].now.getTime() + LEAD_MS));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`only ${lateness.length}/${DUE} reminders ran`)), LIMIT_MS);
      }),
    ]);
    clearTimeout(timer);
  } finally {
    await worker.stop();
  }
  return lateness;
}

/** Runs the fan-out benchmark and returns its result rows. */
export async function benchFanout(): Promise<BenchResult[]> {
  const db = await freshDatabase();
  try {
    const knex = connectDatabase(db.url, 2);
    await migrateDatabase(knex, db.url);
    await closeBenchApp();
    const pool = benchPool(db.url, 2);
    await runMigrations({ pgPool: pool });

    const bare = await dueBurst(db.url, pool, 'empty');
    const q0 = performance.now();
    const { rows } = await pool.query<{ now: Date }>('select now() as now');
    // The backlog falls due from tomorrow over 30 days, as a clinic's booked reminders do.
    await queue(pool, 'backlog', BACKLOG, new Date(rows[0].now.getTime() + 86_400_000), 30 * 86_400);
    const queueSeconds = (performance.now() - q0) / 1000;
    await pool.query('analyze graphile_worker._private_jobs');
    const ours = await dueBurst(db.url, pool, 'due');
    const { rows: left } = await pool.query<{ n: number }>(
      'select count(*)::int as n from graphile_worker.jobs',
    );
    if (left[0].n !== BACKLOG)
      throw new Error(`expected the ${BACKLOG} future jobs to wait, found ${left[0].n}`);
    await pool.end();
    const p = percentile;
    const ms = (v: number) => `${fmt(v, 0)} ms`;
    return [
      {
        name: `reminder lateness p50 / p99 (${DUE.toLocaleString('en-US')} due at once, ${BACKLOG.toLocaleString('en-US')} future jobs queued)`,
        clinicflow: `${ms(p(ours, 50))} / ${ms(p(ours, 99))}`,
        baseline: `${ms(p(bare, 50))} / ${ms(p(bare, 99))} (same ${DUE.toLocaleString('en-US')}, empty queue)`,
        ratio: fmt(p(bare, 99) / p(ours, 99), 2),
        target: 'p99 ≤ 2 s',
        met: p(ours, 99) <= 2000,
      },
      {
        name: `queueing the ${BACKLOG.toLocaleString('en-US')} future reminders (batches of ${BATCH.toLocaleString('en-US')})`,
        clinicflow: `${fmt(BACKLOG / queueSeconds, 0)} jobs/s`,
        baseline: '—',
        ratio: '—',
        target: '—',
        met: null,
      },
    ];
  } finally {
    await db.drop();
  }
}
