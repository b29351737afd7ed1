import type { Knex } from 'knex';
import { STATE_PREDICATE, type LiveJobState } from './job-state.js';

/**
 * Payload keys a text search looks in, besides the job key: the recipient and template of emails and
 * every top-level `…Id` (appointmentId, userId, prescriptionId…). Other keys (message bodies, notes,
 * tokens) are never searched, so a search cannot be used to probe their content.
 */
export const SEARCHED_PAYLOAD_KEYS = ['to', 'template'] as const;

/** A set of live jobs an operator acts on in bulk, or narrows a list to. */
export interface JobFilter {
  /** Only jobs in this state. (Default: every live job) */
  state?: LiveJobState;
  /** Only jobs of this task identifier. */
  task?: string;
  /** Text searched (case-insensitively, as a substring) in the job key and the exposed payload keys. */
  q?: string;
  /**
   * Only jobs with an id at or below this one: a bulk action confirmed for "these N jobs" never
   * touches a job created after the count was shown.
   */
  maxId?: string;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * SQL conditions (on alias `j` of `graphile_worker.jobs`) and their bindings for a filter. A text
 * search reads the payload from graphile-worker's private jobs table, read-only, as `getJob` does.
 */
export function jobFilterSql(filter: JobFilter): { where: string[]; bindings: Knex.Value[] } {
  const where: string[] = [];
  const bindings: Knex.Value[] = [];
  if (filter.state) where.push(STATE_PREDICATE[filter.state]);
  if (filter.task) {
    where.push('j.task_identifier = ?');
    bindings.push(filter.task);
  }
  if (filter.q) {
    const like = `%${escapeLike(filter.q)}%`;
    where.push(`(j.key ilike ? or exists (
      select 1 from graphile_worker._private_jobs p, json_each_text(
        case when json_typeof(p.payload) = 'object' then p.payload else '{}'::json end) e
       where p.id = j.id and (e.key in (${SEARCHED_PAYLOAD_KEYS.map(() => '?').join(', ')}) or e.key like '%Id')
         and e.value ilike ?))`);
    bindings.push(like, ...SEARCHED_PAYLOAD_KEYS, like);
  }
  if (filter.maxId) {
    where.push('j.id <= ?::bigint');
    bindings.push(filter.maxId);
  }
  return { where, bindings };
}

/** `where …` for {@link jobFilterSql}'s conditions (empty when there are none). */
export const whereClause = (where: string[]) => (where.length ? `where ${where.join(' and ')}` : '');
