import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { camelRows, presentRun, type JobRunRow } from './job-state.js';
import { jobStats, type JobStats } from './job-stats.js';

/** Outcomes of the job history in equal time buckets, oldest first; the last bucket is the current one. */
export interface ThroughputSeries {
  bucketSeconds: number;
  points: { at: string; completed: number; failed: number }[];
}

/** A worker pool as its heartbeat shows it. */
export interface WorkerPoolView {
  workerId: string;
  pid: number | null;
  host: string | null;
  lastSeen: string;
  heartbeatAgeSeconds: number;
  /** Heartbeat younger than the stale threshold (`WORKER_STALE_SECONDS`). */
  live: boolean;
  /** Jobs this pool holds now. */
  runningJobs: number;
}

export interface JobDashboard {
  generatedAt: string;
  stats: JobStats;
  /** Last hour in 1-minute buckets and last day in 15-minute buckets. */
  throughput: { hour: ThroughputSeries; day: ThroughputSeries };
  pools: WorkerPoolView[];
  recentFailures: (ReturnType<typeof presentRun> & { jobId: string; task: string; jobKey: string | null })[];
}

/** How many failed runs the dashboard lists. */
const RECENT_FAILURES = 10;

/**
 * Completed and failed runs from `job_history`, counted per bucket over the last `buckets` buckets
 * (empty buckets included, so a chart needs no gap filling).
 */
export async function jobThroughput(
  bucketSeconds: number,
  buckets: number,
  knex: Knex = db(),
  now = new Date(),
): Promise<ThroughputSeries> {
  const ms = bucketSeconds * 1000;
  const last = Math.floor(now.getTime() / ms) * ms;
  const first = last - (buckets - 1) * ms;
  const { rows } = await knex.raw(
    `select date_bin(make_interval(secs => ?), finished_at, timestamptz '1970-01-01T00:00:00Z') as at,
            count(*) filter (where outcome = 'completed')::int as completed,
            count(*) filter (where outcome = 'failed')::int as failed
       from job_history where finished_at >= ? group by 1`,
    [bucketSeconds, new Date(first).toISOString()],
  );
  const byStart = new Map<number, { completed: number; failed: number }>(
    (rows as { at: Date; completed: number; failed: number }[]).map((r) => [new Date(r.at).getTime(), r]),
  );
  const points = Array.from({ length: buckets }, (_, i) => {
    const at = first + i * ms;
    const r = byStart.get(at);
    return { at: new Date(at).toISOString(), completed: r?.completed ?? 0, failed: r?.failed ?? 0 };
  });
  return { bucketSeconds, points };
}

/** Every worker pool with a heartbeat row (stale ones included, marked not live), newest first. */
export async function workerPools(staleSeconds: number, knex: Knex = db()): Promise<WorkerPoolView[]> {
  const { rows } = await knex.raw(
    `select h.worker_id, h.pid, h.host, h.last_seen,
            extract(epoch from now() - h.last_seen)::float8 as age,
            (select count(*)::int from graphile_worker.jobs j where j.locked_by = h.worker_id) as running
       from worker_heartbeats h order by h.last_seen desc, h.worker_id`,
  );
  return (
    rows as {
      worker_id: string;
      pid: number | null;
      host: string | null;
      last_seen: Date;
      age: number;
      running: number;
    }[]
  ).map((r) => ({
    workerId: r.worker_id,
    pid: r.pid,
    host: r.host,
    lastSeen: new Date(r.last_seen).toISOString(),
    heartbeatAgeSeconds: Math.max(0, Math.round(r.age * 10) / 10),
    live: r.age <= staleSeconds,
    runningJobs: r.running,
  }));
}

/** The latest failed runs with their errors, newest first. */
export async function recentFailures(limit = RECENT_FAILURES, knex: Knex = db()) {
  const { rows } = await knex.raw(
    `select * from job_history where outcome = 'failed' order by finished_at desc, id desc limit ?`,
    [limit],
  );
  return camelRows<JobRunRow>(rows).map((r) => ({
    jobId: String(r.jobId),
    task: r.task,
    jobKey: r.jobKey,
    ...presentRun(r),
  }));
}

/**
 * Everything the console's dashboard shows, in one read: counts by state and task, the oldest
 * waiting job's age, completed/failed runs per minute over the last hour and day, worker pools with
 * their heartbeat age, and the latest failures.
 */
export async function jobDashboard(staleSeconds: number, knex: Knex = db()): Promise<JobDashboard> {
  const now = new Date();
  const [stats, hour, day, pools, failures] = await Promise.all([
    jobStats(knex, staleSeconds),
    jobThroughput(60, 60, knex, now),
    jobThroughput(900, 96, knex, now),
    workerPools(staleSeconds, knex),
    recentFailures(RECENT_FAILURES, knex),
  ]);
  return {
    generatedAt: now.toISOString(),
    stats,
    throughput: { hour, day },
    pools,
    recentFailures: failures,
  };
}
