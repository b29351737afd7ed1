import type { TaskGroup } from '../../define-task.js';
import { fanOutNotificationTask } from './fan_out_notification.js';
import { sendCustomReminderTask } from './send_custom_reminder.js';

/** Queue, reminders and notifications: jobs that deliver custom reminders and admin broadcasts. */
export const clinicTasks: TaskGroup = {
  tasks: [sendCustomReminderTask, fanOutNotificationTask],
  crontab: [],
};
