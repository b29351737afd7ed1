import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { loadPatientFor } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { applyReminderScope, reminderColumns } from './reminder-scope.js';
import type { ReminderRow } from './reminder.js';
import type { ListRemindersQuery } from './schemas.js';

export type ListRemindersInput = ListRemindersQuery;

/**
 * Reminders of the patients the actor reaches, by due time (earliest first), a page at a time.
 * Asking for one patient the actor may not see is 404, not an empty list.
 */
export async function listReminders(actor: Actor, input: ListRemindersInput) {
  if (input.patientId) await loadPatientFor(actor, input.patientId, 'demographics', 'read');
  const knex = db();
  const after = decodeCursor(input.cursor, 2);
  const q = applyReminderScope(knex('reminders').select(reminderColumns(knex)), actor, 'read');
  if (input.patientId) q.where('reminders.patientId', input.patientId);
  if (input.status) q.where('reminders.status', input.status);
  if (after) q.whereRaw('(reminders.due_at, reminders.id) > (?::timestamptz, ?::uuid)', after);
  const rows = (await q
    .orderBy([{ column: 'reminders.dueAt' }, { column: 'reminders.id' }])
    .limit(input.limit + 1)) as ReminderRow[];
  return toPage(rows, input.limit, (r) => [r.cursorAt!, r.id]);
}
