import type { Knex } from 'knex';
import type pg from 'pg';
import type { Logger } from '../../lib/logger.js';

/** Upper bounds (seconds) of the job duration histogram; the last bucket is +Inf. */
export const JOB_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;

/** One finished run of a job, as the worker saw it. */
export interface JobRun {
  jobId: string;
  task: string;
  jobKey: string | null;
  attempt: number;
  maxAttempts: number;
  outcome: 'completed' | 'failed';
  /** The failure used the last attempt. */
  final: boolean;
  error: string | null;
  workerId: string | null;
  startedAt: Date;
  finishedAt: Date;
  durationMs: number;
}

export interface JobHistoryOptions {
  /** Longest time a finished run waits in memory before it is written. (Default: 1000 ms) */
  flushMs?: number;
  /** Runs buffered before an early write. (Default: 2000) */
  maxBuffered?: number;
  /**
   * Most runs held while the database refuses writes; beyond it the oldest are dropped (and
   * counted in a warning), so an outage costs history lines, never the worker's memory. (Default: 50000)
   */
  maxPending?: number;
  /** Wait before retrying a failed write; doubles per failure up to 30 s. (Default: 1000 ms) */
  retryMs?: number;
  logger?: Logger;
}

/** Error text kept per run; the column allows 2000 characters. */
const MAX_ERROR = 2000;
const MAX_RETRY_MS = 30_000;

/** Index of the histogram bucket a duration falls in (`JOB_DURATION_BUCKETS.length` = +Inf). */
export function bucketOf(seconds: number): number {
  const i = JOB_DURATION_BUCKETS.findIndex((b) => seconds <= b);
  return i === -1 ? JOB_DURATION_BUCKETS.length : i;
}

/**
 * Buffers finished runs (fed by graphile-worker's `job:success` / `job:error` events) and writes
 * them in batches: one multi-row insert into `job_history` plus one upsert of the per-task counters
 * (`job_task_totals`), in a single statement, at most one statement in flight. Batching keeps the
 * history from costing the worker a round trip per job (bench/jobs.ts holds clinicflow to ≥ 95 % of
 * bare graphile-worker).
 *
 * A failed write (database restarting, pool exhausted) puts its runs back at the front of the
 * buffer and is retried with backoff; the buffer is bounded by `maxPending`, and nothing here
 * throws into the worker. The price: runs of the last second are lost if the process is killed —
 * the job itself is unaffected; only its history line is missing.
 */
export class JobHistoryRecorder {
  private buffer: JobRun[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private inFlight = false;
  private failures = 0;
  private dropped = 0;
  private readonly flushMs: number;
  private readonly maxBuffered: number;
  private readonly maxPending: number;
  private readonly retryMs: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly opts: JobHistoryOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 1000;
    this.maxBuffered = opts.maxBuffered ?? 2000;
    this.maxPending = opts.maxPending ?? 50_000;
    this.retryMs = opts.retryMs ?? 1000;
  }

  /** Runs waiting to be written. */
  get pending(): number {
    return this.buffer.length;
  }

  /** Queues one run for the next write. */
  add(run: JobRun): void {
    if (run.error !== null && run.error.length > MAX_ERROR)
      run = { ...run, error: run.error.slice(0, MAX_ERROR) };
    this.buffer.push(run);
    if (this.buffer.length > this.maxPending) this.drop(this.buffer.length - this.maxPending);
    if (this.buffer.length >= this.maxBuffered && !this.inFlight && this.failures === 0) void this.flush();
    else this.schedule(this.flushMs);
  }

  /**
   * Writes everything buffered so far; resolves when the write finished (a failed write leaves its
   * runs buffered for the next attempt; it never rejects).
   */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.flushing = this.flushing.then(() => this.writeBuffered());
    return this.flushing;
  }

  private schedule(ms: number): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms).unref();
  }

  private drop(n: number): void {
    this.buffer.splice(0, n);
    this.dropped += n;
    this.opts.logger?.warn({ dropped: this.dropped }, 'job history buffer full: oldest runs dropped');
  }

  private async writeBuffered(): Promise<void> {
    const runs = this.buffer;
    if (!runs.length) return;
    this.buffer = [];
    this.inFlight = true;
    try {
      await this.write(runs);
      this.failures = 0;
    } catch (err) {
      // History is an operator's aid: a failed batch waits for the next attempt, the jobs go on.
      const code = String((err as { code?: unknown }).code ?? '');
      if (/^2[23]/.test(code)) {
        // A data or constraint error would fail again: this batch is dropped, later ones go on.
        this.dropped += runs.length;
        this.opts.logger?.warn(
          { err: (err as Error).message, runs: runs.length },
          'job history batch refused',
        );
        return;
      }
      this.failures += 1;
      this.buffer = runs.concat(this.buffer);
      if (this.buffer.length > this.maxPending) this.drop(this.buffer.length - this.maxPending);
      const retryInMs = Math.min(MAX_RETRY_MS, this.retryMs * 2 ** (this.failures - 1));
      this.opts.logger?.warn(
        { err: (err as Error).message, runs: this.buffer.length, retryInMs },
        'could not write job history; will retry',
      );
      this.schedule(retryInMs);
    } finally {
      this.inFlight = false;
    }
    if (this.failures === 0 && this.buffer.length >= this.maxBuffered) this.schedule(0);
  }

  private async write(runs: JobRun[]): Promise<void> {
    const totals = new Map<
      string,
      { task: string; completed: number; failed: number; seconds: number; buckets: number[] }
    >();
    for (const r of runs) {
      let t = totals.get(r.task);
      if (!t) {
        t = {
          task: r.task,
          completed: 0,
          failed: 0,
          seconds: 0,
          buckets: new Array(JOB_DURATION_BUCKETS.length + 1).fill(0),
        };
        totals.set(r.task, t);
      }
      if (r.outcome === 'completed') t.completed += 1;
      else t.failed += 1;
      t.seconds += r.durationMs / 1000;
      t.buckets[bucketOf(r.durationMs / 1000)] += 1;
    }
    // Sorted so that two workers upserting the same tasks lock the rows in the same order.
    const agg = [...totals.values()].sort((a, b) => (a.task < b.task ? -1 : 1));
    await this.pool.query(
      `with runs as (
         insert into job_history (job_id, task, job_key, attempt, max_attempts, outcome, final, error,
                                  worker_id, started_at, finished_at, duration_ms)
         select "jobId"::bigint, task, "jobKey", attempt, "maxAttempts", outcome, final, error,
                "workerId", "startedAt", greatest("finishedAt", "startedAt"), greatest("durationMs", 0)
           from json_to_recordset($1::json) as r("jobId" text, task text, "jobKey" text,
                attempt int, "maxAttempts" int, outcome text, final boolean, error text, "workerId" text,
                "startedAt" timestamptz, "finishedAt" timestamptz, "durationMs" int)
         returning 1
       )
       insert into job_task_totals as t (task, completed, failed, duration_seconds_sum, duration_buckets)
       select task, completed, failed, seconds, buckets
         from json_to_recordset($2::json) as a(task text, completed bigint, failed bigint, seconds float8, buckets bigint[])
        order by task
       on conflict (task) do update set
         completed = t.completed + excluded.completed,
         failed = t.failed + excluded.failed,
         duration_seconds_sum = t.duration_seconds_sum + excluded.duration_seconds_sum,
         duration_buckets = bigint_array_add(t.duration_buckets, excluded.duration_buckets)`,
      [
        JSON.stringify(runs.map((r) => ({ ...r, durationMs: Math.round(r.durationMs) }))),
        JSON.stringify(agg),
      ],
    );
  }
}

/** Deletes job history and recovery records older than `days`; returns how many runs went. */
export async function pruneJobHistory(knex: Knex, days: number): Promise<number> {
  const { rowCount } = await knex.raw(
    `delete from job_history where finished_at < now() - make_interval(days => ?)`,
    [days],
  );
  await knex.raw(`delete from worker_recoveries where recovered_at < now() - make_interval(days => ?)`, [
    days,
  ]);
  return rowCount ?? 0;
}
