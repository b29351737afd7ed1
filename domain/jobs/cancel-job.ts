import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { isJobId } from './get-job.js';
import { auditJobAction, describeOperator, type JobOperator } from './job-operator.js';
import { presentJob, type JobView } from './job-state.js';
import { readJob } from './retry-job.js';

/** `fail` keeps the job, permanently failed, for inspection; `remove` deletes it. */
export type CancelMode = 'fail' | 'remove';

/**
 * Stops a job from running again, audited: `fail` marks it permanently failed
 * (`graphile_worker.permanently_fail_jobs`, it stays listed as failed and can still be retried),
 * `remove` deletes it (`graphile_worker.complete_jobs`). 404 for an unknown job, 409
 * `invalid_transition` while a worker holds it. Returns the job as it was (fail: as it is now).
 */
export async function cancelJob(
  op: JobOperator,
  id: string,
  mode: CancelMode = 'fail',
  knex: Knex = db(),
): Promise<JobView & { removed: boolean }> {
  if (!isJobId(id)) throw new NotFoundError('job');
  return knex.transaction(async (trx) => {
    const before = await readJob(trx, id);
    if (!before) throw new NotFoundError('job');
    const message = `Cancelled by ${describeOperator(op)}`;
    const { rows } =
      mode === 'remove'
        ? await trx.raw(`select id from graphile_worker.complete_jobs(array[?::bigint])`, [id])
        : await trx.raw(`select id from graphile_worker.permanently_fail_jobs(array[?::bigint], ?)`, [
            id,
            message,
          ]);
    if (!rows.length)
      throw new ConflictError('invalid_transition', 'The job is running; wait for it to finish or fail.');
    await auditJobAction(trx, op, mode === 'remove' ? 'job.remove' : 'job.cancel', id, {
      task: before.taskIdentifier,
      mode,
    });
    if (mode === 'remove') return { ...presentJob(before), removed: true };
    return { ...presentJob((await readJob(trx, id))!), removed: false };
  });
}
