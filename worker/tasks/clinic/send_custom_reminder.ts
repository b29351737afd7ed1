import { deliverReminder } from '../../../domain/reminders/deliver-reminder.js';
import '../../../domain/reminders/reminder.js';
import { defineTask } from '../../define-task.js';
import { SendCustomReminderPayload } from '../../../domain/reminders/reminder.js';

/** Delivers a custom reminder at its due time; a cancelled or already sent one is left alone. */
export const sendCustomReminderTask = defineTask(
  'send_custom_reminder',
  SendCustomReminderPayload,
  async ({ reminderId }) => {
    await deliverReminder(reminderId);
  },
);
