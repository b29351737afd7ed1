import type { TaskGroup } from '../../define-task.js';
import { fanOutNotification } from './fan_out_notification.js';
import { sendCustomReminder } from './send_custom_reminder.js';

/** Queue, reminders and notifications: jobs that deliver custom reminders and admin broadcasts. */
export const clinicTasks: TaskGroup = { tasks: [sendCustomReminder, fanOutNotification], crontab: [] };
