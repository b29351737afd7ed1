import { deliverReminder } from '../../../domain/reminders/deliver-reminder.js';
import '../../../domain/reminders/reminder.js';
import { defineTask } from '../../define-task.js';

/** Delivers a custom reminder at its due time; a cancelled or already sent one is left alone. */
export const sendCustomReminder = defineTask(
  'send_custom_reminder',
  {
    type: 'object',
    required: ['reminderId'],
    properties: { reminderId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ reminderId }) => {
    await deliverReminder(reminderId);
  },
);
