import { DateTime } from 'luxon';
import { deliverEmail } from '../../email/deliver.js';
import type { ReminderChannel } from './index.js';

/**
 * Email via the `custom_reminder` template. The ledger key `custom_reminder:<id>` makes a second
 * delivery attempt a no-op.
 */
export const emailChannel: ReminderChannel = {
  name: 'email',
  async deliver(reminder, recipient) {
    if (!recipient.email) return;
    await deliverEmail({
      ledgerKey: `custom_reminder:${reminder.id}`,
      template: 'custom_reminder',
      to: recipient.email,
      vars: {
        recipientName: recipient.name,
        message: reminder.message,
        dueAtLocal: DateTime.fromJSDate(new Date(reminder.dueAt))
          .setZone(recipient.timeZone)
          .toFormat("cccc, d LLLL yyyy, HH:mm '('ZZZZ')'"),
      },
    });
  },
};
