import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { jobFilterSql, whereClause } from './job-filter.js';
import { auditJobAction, describeOperator, type JobOperator } from './job-operator.js';
import { AUDITED_IDS } from './retry-jobs.js';
import type { RetryJobsInput } from './schemas.js';

/** The jobs a bulk cancel applies to: the same filter as a bulk retry. (Default state: failed) */
export type CancelJobsInput = RetryJobsInput;

/**
 * Permanently fails every matching job (`graphile_worker.permanently_fail_jobs`) in one call,
 * audited once: they stay listed as failed, with the operator named in their last error, and can
 * still be retried one by one. Jobs a worker holds are skipped by graphile-worker and not counted.
 */
export async function cancelJobs(
  op: JobOperator,
  input: CancelJobsInput,
  knex: Knex = db(),
): Promise<{ cancelled: number; jobIds: string[] }> {
  const state = input.state ?? 'failed';
  const { where, bindings } = jobFilterSql({ ...input, state });
  return knex.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `select r.id::text as id from graphile_worker.permanently_fail_jobs(
         array(select j.id from graphile_worker.jobs j ${whereClause(where)}), ?) r order by r.id`,
      [...bindings, `Cancelled by ${describeOperator(op)}`],
    );
    const jobIds = (rows as { id: string }[]).map((r) => r.id);
    await auditJobAction(trx, op, 'job.bulk_cancel', null, {
      task: input.task ?? null,
      state,
      ...(input.q ? { q: input.q } : {}),
      ...(input.maxId ? { maxId: input.maxId } : {}),
      count: jobIds.length,
      jobIds: jobIds.slice(0, AUDITED_IDS),
    });
    return { cancelled: jobIds.length, jobIds };
  });
}

/**
 * How many jobs a bulk action with this filter would touch now, and the highest of their ids: the
 * console shows the count in its confirmation and sends the id back as `maxId`, so jobs created
 * after the confirmation are left alone.
 */
export async function countJobs(
  input: CancelJobsInput,
  knex: Knex = db(),
): Promise<{ count: number; maxId: string | null }> {
  const { where, bindings } = jobFilterSql({ ...input, state: input.state ?? 'failed' });
  const { rows } = await knex.raw(
    `select count(*)::int as count, max(j.id)::text as max_id from graphile_worker.jobs j ${whereClause(where)}`,
    bindings,
  );
  return { count: rows[0].count, maxId: rows[0].max_id };
}
