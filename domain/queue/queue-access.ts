import type { Knex } from 'knex';
import type { Actor } from '../auth/actor.js';

/**
 * Restricts a query on `queue_entries` to what the actor may see: patients their own entries,
 * doctors their own queue plus the general queue, nurses, staff and admins everything.
 * The same rule as `canSeeQueueEntry`, in SQL.
 */
export function applyQueueReadScope(
  qb: Knex.QueryBuilder,
  actor: Actor,
  alias = 'queueEntries',
): Knex.QueryBuilder {
  if (actor.role === 'patient') {
    return actor.patientId ? qb.where(`${alias}.patientId`, actor.patientId) : qb.whereRaw('false');
  }
  if (actor.role === 'doctor') {
    return qb.where((w) => w.where(`${alias}.doctorId`, actor.userId).orWhereNull(`${alias}.doctorId`));
  }
  return qb;
}
