import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { jobFilterSql } from './job-filter.js';
import {
  JOB_COLUMNS,
  camelRows,
  presentJob,
  presentRunAsJob,
  type JobRow,
  type JobRunRow,
  type JobView,
} from './job-state.js';
import type { ListJobsQuery } from './schemas.js';
import { clinicRangeBound } from '../../lib/time-range.js';

export type ListJobsInput = ListJobsQuery;

/**
 * Lists jobs newest first with keyset pagination. Live jobs come from the `graphile_worker.jobs`
 * view; `completed` ones (which graphile-worker deletes) from `job_history`, one entry per run.
 */
export async function listJobs(
  input: ListJobsInput,
  knex: Knex = db(),
): Promise<{ items: JobView[]; nextCursor: string | null }> {
  const after = decodeCursor(input.cursor, 1);
  const where: string[] = [];
  const bindings: Knex.Value[] = [];
  const add = (sql: string, value: Knex.Value) => {
    where.push(sql);
    bindings.push(value);
  };
  if (input.state === 'completed') {
    where.push(`h.outcome = 'completed'`);
    if (input.task) add('h.task = ?', input.task);
    if (input.q) add(`h.job_key ilike ?`, `%${input.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    if (input.from) add('h.finished_at >= ?', clinicRangeBound(input.from, 'from'));
    if (input.to) add('h.finished_at < ?', clinicRangeBound(input.to, 'to'));
    if (after) add('h.id < ?', Number(after[0]));
    const { rows } = await knex.raw(
      `select h.* from job_history h where ${where.join(' and ')} order by h.id desc limit ?`,
      [...bindings, input.limit + 1],
    );
    const page = toPage(camelRows<JobRunRow>(rows), input.limit, (r) => [r.id]);
    return { items: page.items.map(presentRunAsJob), nextCursor: page.nextCursor };
  }
  const filter = jobFilterSql({ state: input.state, task: input.task, q: input.q });
  where.push(...filter.where);
  bindings.push(...filter.bindings);
  if (input.from) add('j.created_at >= ?', clinicRangeBound(input.from, 'from'));
  if (input.to) add('j.created_at < ?', clinicRangeBound(input.to, 'to'));
  if (after) {
    if (!/^\d{1,19}$/.test(String(after[0]))) return { items: [], nextCursor: null };
    where.push('j.id < ?::bigint');
    bindings.push(String(after[0]));
  }
  const { rows } = await knex.raw(
    `select ${JOB_COLUMNS} from graphile_worker.jobs j
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by j.id desc limit ?`,
    [...bindings, input.limit + 1],
  );
  const page = toPage(camelRows<JobRow>(rows), input.limit, (r) => [r.id]);
  return { items: page.items.map(presentJob), nextCursor: page.nextCursor };
}
