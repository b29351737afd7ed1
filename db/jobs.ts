import type { Knex } from 'knex';

/**
 * Payload type of every task, keyed by task identifier: graphile-worker's own `GraphileWorker.Tasks`,
 * which each task's payload schema extends by declaration merging
 * (`declare global { namespace GraphileWorker { interface Tasks { send_email: Static<typeof SendEmailPayload> } } }`),
 * so `addJob` is type-checked from the same schema the worker validates with.
 */
export type TaskPayloads = GraphileWorker.Tasks;

export type TaskName = keyof TaskPayloads & string;

export interface AddJobOptions {
  /** When the job becomes runnable. (Default: now) */
  runAt?: Date;
  /**
   * Replaces an earlier job with the same key that has not started (reschedules move reminders
   * instead of duplicating them). Convention: `<task>:<id>[:<qualifier>]`.
   */
  jobKey?: string;
  /** `replace` (default) updates payload and run time; `preserve_run_at` keeps the old run time. */
  jobKeyMode?: 'replace' | 'preserve_run_at' | 'unsafe_dedupe';
  /** Attempts before the job is left failed. (Default: 25, graphile-worker's) */
  maxAttempts?: number;
  /** Jobs in one named queue run one at a time, in order. (Default: none) */
  queueName?: string;
  /** Lower runs first. (Default: 0) */
  priority?: number;
}

/**
 * Queues a job on the caller's transaction (`graphile_worker.add_job` on the same connection), so
 * the job exists exactly when the rows it belongs to commit, and never after a rollback.
 */
export async function addJob<T extends TaskName>(
  trx: Knex | Knex.Transaction,
  task: T,
  payload: TaskPayloads[T],
  opts: AddJobOptions = {},
): Promise<{ id: string }> {
  const result = await trx.raw(
    `select (graphile_worker.add_job(
        identifier => ?, payload => ?::json, queue_name => ?, run_at => ?,
        max_attempts => ?, job_key => ?, priority => ?, job_key_mode => ?
      )).id::text as id`,
    [
      task,
      JSON.stringify(payload ?? {}),
      opts.queueName ?? null,
      opts.runAt ? opts.runAt.toISOString() : null,
      opts.maxAttempts ?? null,
      opts.jobKey ?? null,
      opts.priority ?? null,
      opts.jobKey ? (opts.jobKeyMode ?? 'replace') : null,
    ],
  );
  const id = (result.rows as { id: string | null }[])[0]?.id;
  // add_job can return null under heavy contention on one key (graphile-worker #580).
  if (!id)
    throw new Error(
      `graphile_worker.add_job returned no job for ${task}${opts.jobKey ? ` (${opts.jobKey})` : ''}`,
    );
  return { id };
}

/** One job of {@link addJobs}: a task, its payload and the options of {@link addJob} but the key mode. */
export type JobSpec = {
  [T in TaskName]: { task: T; payload: TaskPayloads[T] } & Omit<AddJobOptions, 'jobKeyMode'>;
}[TaskName];

/**
 * Queues several jobs on the caller's transaction in one round trip (`graphile_worker.add_jobs`),
 * with the semantics of {@link addJob} in `replace` mode (or `preserve_run_at` for all of them).
 * Keys must be distinct within one call: Postgres cannot update one job twice in one statement.
 */
export async function addJobs(
  trx: Knex | Knex.Transaction,
  specs: readonly JobSpec[],
  opts: { preserveRunAt?: boolean } = {},
): Promise<void> {
  if (specs.length === 0) return;
  const result = await addJobsQuery(trx, specs, opts);
  assertJobsQueued(specs, (result.rows as { n: number }[])[0]?.n ?? 0);
}

/**
 * {@link addJobs}'s statement as a query answering `n`, the number of jobs queued, for a caller that
 * folds it into a statement of its own (a `with` clause) to save the round trip; check `n` with
 * {@link assertJobsQueued}. A `with` clause that is not a data-modifying statement only runs when
 * the main query reads it, so the caller must select `n`.
 */
export function addJobsQuery(
  trx: Knex | Knex.Transaction,
  specs: readonly JobSpec[],
  opts: { preserveRunAt?: boolean } = {},
): Knex.Raw {
  const json = specs.map((s) => ({
    identifier: s.task,
    payload: s.payload ?? {},
    queue_name: s.queueName ?? null,
    run_at: s.runAt ? s.runAt.toISOString() : null,
    max_attempts: s.maxAttempts ?? null,
    job_key: s.jobKey ?? null,
    priority: s.priority ?? null,
  }));
  return trx.raw(
    `select count(*)::int as n from graphile_worker.add_jobs(
       array(select s from json_populate_recordset(null::graphile_worker.job_spec, ?::json) s), ?::boolean)`,
    [JSON.stringify(json), opts.preserveRunAt ?? false],
  );
}

/** Throws unless `queued` jobs is all of `specs`: a key whose job is locked by a worker at that instant yields no row (graphile-worker #580). */
export function assertJobsQueued(specs: readonly JobSpec[], queued: number): void {
  if (queued !== specs.length)
    throw new Error(
      `graphile_worker.add_jobs queued ${queued} of ${specs.length} jobs (${specs.map((s) => s.task).join(', ')})`,
    );
}

/**
 * Removes a queued job by key (a cancelled reminder). A job that is already running is left to
 * finish; tasks re-read state and do nothing when their subject changed.
 */
export async function removeJob(trx: Knex | Knex.Transaction, jobKey: string): Promise<void> {
  await trx.raw('select graphile_worker.remove_job(?)', [jobKey]);
}

/** Removes every queued job whose key starts with `prefix` (e.g. all reminders of one appointment). */
export async function removeJobsByKeyPrefix(trx: Knex | Knex.Transaction, prefix: string): Promise<number> {
  const rows = await trx.raw(
    `select graphile_worker.remove_job(key) from graphile_worker.jobs where key like ? escape '\\'`,
    [prefix.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'],
  );
  return (rows.rows as unknown[]).length;
}
