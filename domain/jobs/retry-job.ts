import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isJobId } from './get-job.js';
import { auditJobAction, type JobOperator } from './job-operator.js';
import { JOB_COLUMNS, camelRows, presentJob, type JobRow, type JobView } from './job-state.js';

/**
 * Wakes idle workers after jobs became runnable outside `add_job` (which notifies by itself):
 * `jobs:insert` is graphile-worker's own channel, so they start at once instead of at their next poll.
 */
export async function nudgeWorkers(trx: Knex | Knex.Transaction, count: number): Promise<void> {
  if (count > 0)
    await trx.raw(`select pg_notify('jobs:insert', json_build_object('count', ?::int)::text)`, [count]);
}

/** Reads a live job in a transaction, for the 404-or-409 answer after an admin function refused it. */
export async function readJob(trx: Knex | Knex.Transaction, id: string): Promise<JobRow | undefined> {
  const { rows } = await trx.raw(`select ${JOB_COLUMNS} from graphile_worker.jobs j where j.id = ?::bigint`, [
    id,
  ]);
  return camelRows<JobRow>(rows)[0];
}

/**
 * Makes a job run now with a fresh set of attempts (`graphile_worker.reschedule_jobs`), audited.
 * 404 when the job does not exist (completed jobs are gone); 409 `invalid_transition` while a
 * worker holds it, because graphile-worker will not touch a locked job.
 */
export async function retryJob(op: JobOperator, id: string, knex: Knex = db()): Promise<JobView> {
  if (!isJobId(id)) throw new NotFoundError('job');
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `select id from graphile_worker.reschedule_jobs(array[?::bigint], run_at => now(), attempts => 0)`,
      [id],
    );
    if (!rows.length) {
      const job = await readJob(trx, id);
      if (!job) throw new NotFoundError('job');
      throw new ConflictError('invalid_transition', 'The job is running; wait for it to finish or fail.');
    }
    const job = (await readJob(trx, id))!;
    await auditJobAction(trx, op, 'job.retry', id, {
      task: job.taskIdentifier,
      previousLastError: job.lastError?.slice(0, 500) ?? null,
    });
    await nudgeWorkers(trx, 1);
    return presentJob(job);
  });
}
