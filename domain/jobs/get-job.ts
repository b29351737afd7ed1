import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { NotFoundError } from '../../lib/errors.js';
import {
  JOB_COLUMNS,
  camelRows,
  presentJob,
  presentRun,
  presentRunAsJob,
  redactPayload,
  type JobRow,
  type JobRunRow,
  type JobView,
} from './job-state.js';

/** How many recent runs a job's detail view lists. */
const RUNS_SHOWN = 50;

export interface JobDetail extends JobView {
  /** The payload with secrets and OTPs redacted; null once the job is gone (completed). */
  payload: unknown;
  flags: Record<string, true> | null;
  runs: ReturnType<typeof presentRun>[];
}

/** Whether `id` can be a graphile-worker job id (a positive bigint). */
export const isJobId = (id: string): boolean => /^\d{1,18}$/.test(id);

/**
 * One job with its redacted payload and recent runs. A job graphile-worker no longer holds is
 * shown from its history (state `completed`, or `failed` if it was removed after failing);
 * an id that never ran is a 404.
 */
export async function getJob(id: string, knex: Knex = db()): Promise<JobDetail> {
  if (!isJobId(id)) throw new NotFoundError('job');
  // The payload lives only in graphile-worker's private table; reading it is the one exception to
  // using the public `jobs` view, and it is read-only.
  const { rows } = await knex.raw(
    `select ${JOB_COLUMNS}, j.flags, p.payload
       from graphile_worker.jobs j left join graphile_worker._private_jobs p on p.id = j.id
      where j.id = ?::bigint`,
    [id],
  );
  const { rows: runs } = await knex.raw(
    `select * from job_history where job_id = ?::bigint order by id desc limit ?`,
    [id, RUNS_SHOWN],
  );
  const history = camelRows<JobRunRow>(runs);
  const live = camelRows<JobRow & { flags: Record<string, true> | null; payload: unknown }>(rows)[0];
  if (live) {
    return {
      ...presentJob(live),
      payload: redactPayload(live.payload),
      flags: live.flags,
      runs: history.map(presentRun),
    };
  }
  if (!history.length) throw new NotFoundError('job');
  return { ...presentRunAsJob(history[0]), payload: null, flags: null, runs: history.map(presentRun) };
}
