import { db } from '../../db/knex.js';
import { NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { applyQueueReadScope } from './queue-access.js';
import { QUEUE_COLUMNS, type QueueEntryRow } from './queue-entry.js';

/** One queue entry the actor may see; missing and not visible both answer 404. */
export async function getQueueEntry(actor: Actor, id: string): Promise<QueueEntryRow> {
  const row = (await applyQueueReadScope(db()('queueEntries').where('queueEntries.id', id), actor).first([
    ...QUEUE_COLUMNS,
  ])) as QueueEntryRow | undefined;
  if (!row) throw new NotFoundError('queue entry');
  return row;
}
