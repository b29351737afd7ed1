import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { jobFilterSql, whereClause } from './job-filter.js';
import { auditJobAction, type JobOperator } from './job-operator.js';
import { nudgeWorkers } from './retry-job.js';
import type { RetryJobsInput } from './schemas.js';

export type { BulkJobState } from './schemas.js';

/** How many job ids the audit record lists (the count is always exact). */
export const AUDITED_IDS = 200;

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
  const { where, bindings } = jobFilterSql({ ...input, state });
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `select r.id::text as id from graphile_worker.reschedule_jobs(
         array(select j.id from graphile_worker.jobs j ${whereClause(where)}),
         run_at => now(), attempts => 0) r order by r.id`,
      bindings,
    );
    const jobIds = (rows as { id: string }[]).map((r) => r.id);
    await auditJobAction(trx, op, 'job.bulk_retry', null, {
      task: input.task ?? null,
      state,
      ...(input.q ? { q: input.q } : {}),
      ...(input.maxId ? { maxId: input.maxId } : {}),
      count: jobIds.length,
      jobIds: jobIds.slice(0, AUDITED_IDS),
    });
    await nudgeWorkers(trx, jobIds.length);
    return { retried: jobIds.length, jobIds };
  });
}
