/**
 * How a graphile-worker job maps onto the states admins see, and how jobs are presented.
 *
 * graphile-worker has no state column; the state is derived from the `graphile_worker.jobs` view
 * (its stable read interface), in this order:
 * - `running`   — locked by a worker (`locked_at` is set);
 * - `failed`    — it has failed at least once and not been reset: `last_error` is set and
 *                 `attempts > 0` (waiting for its next retry), or `attempts >= max_attempts`
 *                 (permanently failed: it will not run again unless retried). `permanentlyFailed`
 *                 tells the two apart. A manual retry resets `attempts` to 0, which makes the job
 *                 `queued` again at once even though graphile-worker keeps the old `last_error`;
 * - `scheduled` — due in the future (`run_at > now()`);
 * - `queued`    — due now and waiting for a worker.
 * `completed` jobs no longer exist in graphile-worker (it deletes them); they come from `job_history`.
 */
import type { JobRun } from './history.js';

export const JOB_STATES = ['queued', 'scheduled', 'running', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];
/** States of jobs that still exist in graphile-worker. */
export type LiveJobState = Exclude<JobState, 'completed'>;

const FAILED = `(j.attempts >= j.max_attempts or (j.last_error is not null and j.attempts > 0))`;

/** SQL predicate (on alias `j` of `graphile_worker.jobs`) selecting the jobs in `state`. */
export const STATE_PREDICATE: Record<LiveJobState, string> = {
  running: `(j.locked_at is not null)`,
  failed: `(j.locked_at is null and ${FAILED})`,
  scheduled: `(j.locked_at is null and not ${FAILED} and j.run_at > now())`,
  queued: `(j.locked_at is null and not ${FAILED} and j.run_at <= now())`,
};

/** SQL expression (on alias `j`) giving the state of a live job. */
export const STATE_SQL = `case
  when j.locked_at is not null then 'running'
  when ${FAILED} then 'failed'
  when j.run_at > now() then 'scheduled'
  else 'queued' end`;

/** Columns selected for a live job; `id` as text because job ids are bigint. */
export const JOB_COLUMNS = `j.id::text as id, j.task_identifier, j.queue_name, j.key, j.priority, j.run_at,
  j.attempts, j.max_attempts, j.last_error, j.created_at, j.updated_at, j.locked_at, j.locked_by,
  ${STATE_SQL} as state`;

/** A live job row as read with {@link JOB_COLUMNS} (camelCased by the Knex mappers). */
export interface JobRow {
  id: string;
  taskIdentifier: string;
  queueName: string | null;
  key: string | null;
  priority: number;
  runAt: Date;
  attempts: number;
  maxAttempts: number;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
  lockedAt: Date | null;
  lockedBy: string | null;
  state: LiveJobState;
}

/** One run of a job as kept in `job_history` (graphile-worker's bigint job id, as a number). */
export type JobRunRow = Omit<JobRun, 'jobId'> & { id: number; jobId: number };

/** The admin view of a job (SPEC `Job (admin)`, plus operational fields). */
export interface JobView {
  id: string;
  task: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAt: string;
  lastError: string | null;
  createdAt: string;
  permanentlyFailed: boolean;
  key: string | null;
  queueName: string | null;
  priority: number;
  lockedAt: string | null;
  lockedBy: string | null;
  updatedAt: string;
  /** For `completed` entries read from the history. */
  finishedAt?: string;
  durationMs?: number;
}

const iso = (d: Date | string | null): string | null => (d === null ? null : new Date(d).toISOString());

/** Shapes a live job for the API and the CLI. */
export function presentJob(row: JobRow): JobView {
  return {
    id: row.id,
    task: row.taskIdentifier,
    state: row.state,
    attempts: row.attempts,
    maxAttempts: row.maxAttempts,
    runAt: iso(row.runAt)!,
    lastError: row.lastError,
    createdAt: iso(row.createdAt)!,
    permanentlyFailed: row.attempts >= row.maxAttempts,
    key: row.key,
    queueName: row.queueName,
    priority: row.priority,
    lockedAt: iso(row.lockedAt),
    lockedBy: row.lockedBy,
    updatedAt: iso(row.updatedAt)!,
  };
}

/** Shapes a finished run (from `job_history`) as a job; completed jobs exist only there. */
export function presentRunAsJob(run: JobRunRow): JobView {
  return {
    id: String(run.jobId),
    task: run.task,
    state: run.outcome,
    attempts: run.attempt,
    maxAttempts: run.maxAttempts,
    runAt: iso(run.startedAt)!,
    lastError: run.error,
    createdAt: iso(run.startedAt)!,
    permanentlyFailed: run.final,
    key: run.jobKey,
    queueName: null,
    priority: 0,
    lockedAt: null,
    lockedBy: null,
    updatedAt: iso(run.finishedAt)!,
    finishedAt: iso(run.finishedAt)!,
    durationMs: run.durationMs,
  };
}

/** One run in a job's detail view. */
export function presentRun(run: JobRunRow) {
  return {
    attempt: run.attempt,
    outcome: run.outcome,
    final: run.final,
    error: run.error,
    workerId: run.workerId,
    startedAt: iso(run.startedAt)!,
    finishedAt: iso(run.finishedAt)!,
    durationMs: run.durationMs,
  };
}

const SECRET_KEY = /password|token|otp|secret|authorization|cookie|notes/i;

/**
 * Returns a copy of a job payload with the values of secret-looking keys (passwords, tokens, OTPs,
 * secrets, authorization, clinical notes) replaced by `[redacted]`, at any depth.
 */
export function redactPayload(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactPayload);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) ? '[redacted]' : redactPayload(v),
      ]),
    );
  }
  return value;
}

const camel = (k: string) => k.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * camelCases the column names of `knex.raw` rows: the Knex snake_case mappers only post-process
 * query-builder results, and raw SQL is unavoidable on graphile-worker's schema.
 */
export function camelRows<T>(rows: Record<string, unknown>[]): T[] {
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [camel(k), v])) as T);
}
