import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import { applyQueueReadScope } from './queue-access.js';
import { clinicToday, QUEUE_COLUMNS, type QueueEntryRow } from './queue-entry.js';
import type { ListQueueQuery } from './schemas.js';

export type ListQueueInput = ListQueueQuery;

/** One clinic day's queue entries the actor may see, by number (then id), a page at a time. */
export async function listQueue(actor: Actor, input: ListQueueInput) {
  const date = input.date ?? clinicToday(services().config.clinicTimeZone);
  const after = decodeCursor(input.cursor, 2);
  const q = applyQueueReadScope(db()('queueEntries').select([...QUEUE_COLUMNS]), actor).where(
    'clinicDate',
    date,
  );
  if (input.status) q.where('status', input.status);
  if (input.doctorId) q.where('doctorId', input.doctorId);
  if (after) q.whereRaw('(number, id) > (?, ?::uuid)', after);
  const rows = (await q
    .orderBy([{ column: 'number' }, { column: 'id' }])
    .limit(input.limit + 1)) as QueueEntryRow[];
  return { date, ...toPage(rows, input.limit, (r) => [r.number, r.id]) };
}
