import { testContext } from './context.js';
import { waitUntil } from './wait.js';

/** A row of graphile_worker.jobs; raw query results keep their snake_case column names. */
export interface JobRow {
  id: string;
  task_identifier: string;
  key: string | null;
  run_at: Date;
  attempts: number;
  max_attempts: number;
  last_error: string | null;
  locked_by: string | null;
  payload?: unknown;
}

/** Jobs still in graphile-worker whose key starts with `prefix` (queued, scheduled, running or failed). */
export async function jobsFor(prefix: string): Promise<JobRow[]> {
  const { rows } = await testContext().knex.raw(
    `select j.id::text as id, j.task_identifier, j.key, j.run_at, j.attempts, j.max_attempts, j.last_error, j.locked_by, p.payload
       from graphile_worker.jobs j join graphile_worker._private_jobs p on p.id = j.id
      where j.key like ? order by j.run_at, j.id`,
    [prefix.replace(/[%_]/g, (c) => `\\${c}`) + '%'],
  );
  return rows as JobRow[];
}

/** Jobs of a task (any key), optionally filtered by a payload predicate. */
export async function jobsOfTask(
  task: string,
  where: (payload: any) => boolean = () => true,
): Promise<JobRow[]> {
  const { rows } = await testContext().knex.raw(
    `select j.id::text as id, j.task_identifier, j.key, j.run_at, j.attempts, j.max_attempts, j.last_error, j.locked_by, p.payload
       from graphile_worker.jobs j join graphile_worker._private_jobs p on p.id = j.id
      where j.task_identifier = ? order by j.run_at, j.id`,
    [task],
  );
  return (rows as JobRow[]).filter((r) => where(r.payload));
}

/** Waits until no job that is due now (run_at <= now) remains queued or running for `task` (or any task). */
export async function drainJobs(task?: string, timeoutMs = 15_000): Promise<void> {
  await waitUntil(
    async () => {
      const { rows } = await testContext().knex.raw(
        `select count(*)::int as n from graphile_worker.jobs
          where run_at <= now() and attempts < max_attempts ${task ? 'and task_identifier = ?' : ''}`,
        task ? [task] : [],
      );
      return rows[0].n === 0;
    },
    timeoutMs,
    `jobs${task ? ` of ${task}` : ''} to drain`,
  );
}
