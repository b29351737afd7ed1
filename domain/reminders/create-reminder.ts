import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { ValidationError } from '../../lib/errors.js';
import { loadPatientFor } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { DEFAULT_REMINDER_CHANNELS } from './channels/index.js';
import { reminderColumns } from './reminder-scope.js';
import { reminderJobKey, type ReminderRow } from './reminder.js';
import type { CreateReminderInput } from './schemas.js';

/** Clock skew tolerated between a client and the server for "due now". */
const PAST_TOLERANCE_MS = 60_000;
const MAX_AHEAD_MS = 366 * 24 * 3600 * 1000;

/**
 * Schedules a custom reminder for a patient the actor may write to (a patient: themself) and queues
 * `send_custom_reminder` to run at `dueAt`, on the same transaction. `dueAt` must not be in the past
 * (beyond a minute of clock skew) nor more than a year ahead: 400 otherwise.
 */
export async function createReminder(actor: Actor, input: CreateReminderInput): Promise<ReminderRow> {
  const dueAt = new Date(input.dueAt);
  const now = Date.now();
  if (dueAt.getTime() < now - PAST_TOLERANCE_MS || dueAt.getTime() > now + MAX_AHEAD_MS) {
    throw new ValidationError('The reminder must be due between now and one year ahead.', [
      { path: '/dueAt', message: 'must be between now and one year ahead' },
    ]);
  }
  // Checked before the transaction: a denial is audited on its own connection (see addToQueue).
  await loadPatientFor(actor, input.patientId, 'demographics', 'write');
  return withTransaction(async (trx) => {
    const [row] = (await trx('reminders')
      .insert({
        patientId: input.patientId,
        createdBy: actor.userId,
        message: input.message,
        dueAt,
        channels: [...new Set(input.channels ?? DEFAULT_REMINDER_CHANNELS)],
      })
      .returning(reminderColumns(trx) as string[])) as ReminderRow[];
    await addJob(
      trx,
      'send_custom_reminder',
      { reminderId: row.id },
      { runAt: dueAt, jobKey: reminderJobKey(row.id), maxAttempts: 10 },
    );
    return row;
  });
}
