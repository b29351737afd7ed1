import { withTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { applyQueueReadScope } from './queue-access.js';
import { publishQueueChange } from './queue-events.js';
import { QUEUE_COLUMNS, QUEUE_TRANSITIONS, type QueueEntryRow, type QueueStatus } from './queue-entry.js';

/**
 * Moves a queue entry to `status` if the transition is legal (`WAITING → IN_PROGRESS → COMPLETED`,
 * `WAITING | IN_PROGRESS → CANCELLED`), else 409 `invalid_transition`. The check is the update's own
 * `where status in (…)`, so two racing changes cannot both win. Entries the actor may not see: 404.
 */
export function changeQueueStatus(actor: Actor, id: string, status: QueueStatus): Promise<QueueEntryRow> {
  return withTransaction(async (trx) => {
    const current = (await applyQueueReadScope(trx('queueEntries').where('queueEntries.id', id), actor).first(
      'id',
      'status',
    )) as Pick<QueueEntryRow, 'id' | 'status'> | undefined;
    if (!current) throw new NotFoundError('queue entry');
    const from = QUEUE_TRANSITIONS[status];
    const [row] = (await trx('queueEntries')
      .where({ id })
      .whereIn('status', from as QueueStatus[])
      .update({ status, updatedAt: trx.fn.now() })
      .returning([...QUEUE_COLUMNS])) as QueueEntryRow[];
    if (!row) {
      const now = (await trx('queueEntries').where({ id }).first('status')) as { status: QueueStatus };
      throw new ConflictError(
        'invalid_transition',
        `A queue entry that is ${now.status} cannot become ${status}.`,
      );
    }
    await publishQueueChange(trx, 'updated', row);
    return row;
  });
}
