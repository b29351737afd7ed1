import { removeJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { applyReminderScope } from './reminder-scope.js';
import { reminderJobKey, type ReminderStatus } from './reminder.js';

/**
 * Cancels a scheduled reminder and removes its job. Cancelling again changes nothing (204 both
 * times); a reminder already sent is 409 `invalid_transition`; one the actor may not see is 404.
 * The row lock makes this wait for a delivery in progress, which then has already sent it (409).
 */
export async function cancelReminder(actor: Actor, id: string): Promise<void> {
  await withTransaction(async (trx) => {
    const row = (await applyReminderScope(trx('reminders').where('reminders.id', id), actor, 'write')
      .forUpdate()
      .first('reminders.id', 'reminders.status')) as { id: string; status: ReminderStatus } | undefined;
    if (!row) throw new NotFoundError('reminder');
    if (row.status === 'cancelled') return;
    if (row.status === 'sent')
      throw new ConflictError('invalid_transition', 'The reminder has already been sent.');
    await trx('reminders')
      .where({ id })
      .update({ status: 'cancelled', cancelledAt: trx.fn.now(), updatedAt: trx.fn.now() });
    await removeJob(trx, reminderJobKey(id));
  });
}
