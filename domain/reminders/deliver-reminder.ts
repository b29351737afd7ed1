import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { REMINDER_CHANNELS, type ReminderRecipient } from './channels/index.js';
import { reminderColumns } from './reminder-scope.js';
import type { ReminderRow } from './reminder.js';

/**
 * Delivers a due reminder on each of its channels and marks it `sent`, all under the reminder's row
 * lock: a cancellation either happened before (nothing is sent) or waits and finds it sent.
 *
 * Does nothing when the reminder is gone or no longer scheduled. Each channel is idempotent, so a retry after a partial failure only completes what is missing.
 * @returns whether the reminder was delivered by this call.
 */
export async function deliverReminder(reminderId: string): Promise<boolean> {
  return db().transaction(async (trx) => {
    const reminder = (await trx('reminders')
      .select(reminderColumns(trx))
      .where('reminders.id', reminderId)
      .forUpdate()
      .first()) as ReminderRow | undefined;
    if (!reminder || reminder.status !== 'scheduled') return false;
    const patient = (await trx('patients')
      .leftJoin('users', 'users.id', 'patients.userId')
      .where('patients.id', reminder.patientId)
      .first(
        'patients.id',
        'patients.name',
        'patients.email',
        'patients.timeZone',
        'patients.deletedAt',
        'users.id as userId',
        'users.email as userEmail',
        'users.status as userStatus',
      )) as
      | {
          id: string;
          name: string;
          email: string | null;
          timeZone: string;
          deletedAt: Date | null;
          userId: string | null;
          userEmail: string | null;
          userStatus: string | null;
        }
      | undefined;
    const log = services().logger;
    if (patient && !patient.deletedAt) {
      const hasAccount = patient.userId !== null && patient.userStatus === 'active';
      const recipient: ReminderRecipient = {
        patientId: patient.id,
        name: patient.name,
        email: (hasAccount ? patient.userEmail : patient.userId ? null : patient.email) ?? undefined,
        userId: hasAccount ? patient.userId! : undefined,
        timeZone: patient.timeZone,
      };
      for (const name of reminder.channels) {
        const channel = REMINDER_CHANNELS[name];
        if (!channel) {
          log.warn({ reminderId, channel: name }, 'reminder names an unknown channel; skipped');
          continue;
        }
        await channel.deliver(reminder, recipient, trx);
      }
    } else {
      log.info({ reminderId }, 'reminder patient no longer exists; marked sent without delivery');
    }
    await trx('reminders')
      .where({ id: reminderId })
      .update({ status: 'sent', sentAt: trx.fn.now(), updatedAt: trx.fn.now() });
    return true;
  });
}
