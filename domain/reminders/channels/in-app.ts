import { notifyUser } from '../../notifications/notify-user.js';
import type { ReminderChannel } from './index.js';

/** An in-app notification (type `reminder`) for the patient's account, once per reminder. */
export const inAppChannel: ReminderChannel = {
  name: 'in_app',
  async deliver(reminder, recipient, trx) {
    if (!recipient.userId) return;
    await notifyUser(trx, {
      userId: recipient.userId,
      type: 'reminder',
      title: 'Reminder',
      body: reminder.message,
      data: { reminderId: reminder.id, dueAt: new Date(reminder.dueAt).toISOString() },
      dedupeKey: `custom_reminder:${reminder.id}`,
    });
  },
};
