import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { auditJobAction, type JobOperator } from './job-operator.js';
import { STATE_PREDICATE } from './job-state.js';
import { nudgeWorkers } from './retry-job.js';
import type { RetryJobsInput } from './schemas.js';

/** How many job ids the audit record lists (the count is always exact). */
const AUDITED_IDS = 200;

/**
 * Retries every matching job now with fresh attempts in one `reschedule_jobs` call, audited once.
 * Jobs a worker locks in the meantime are skipped by graphile-worker and not counted.
 */
export async function retryJobs(
  op: JobOperator,
  input: RetryJobsInput,
  knex: Knex = db(),
): Promise<{ retried: number; jobIds: string[] }> {
  const state = input.state ?? 'failed';
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `select r.id::text as id from graphile_worker.reschedule_jobs(
         array(select j.id from graphile_worker.jobs j
                where ${STATE_PREDICATE[state]} ${input.task ? 'and j.task_identifier = ?' : ''}),
         run_at => now(), attempts => 0) r order by r.id`,
      input.task ? [input.task] : [],
    );
    const jobIds = (rows as { id: string }[]).map((r) => r.id);
    await auditJobAction(trx, op, 'job.bulk_retry', null, {
      task: input.task ?? null,
      state,
      count: jobIds.length,
      jobIds: jobIds.slice(0, AUDITED_IDS),
    });
    await nudgeWorkers(trx, jobIds.length);
    return { retried: jobIds.length, jobIds };
  });
}
