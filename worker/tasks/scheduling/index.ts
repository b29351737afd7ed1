import type { TaskGroup } from '../../define-task.js';
import { expireUnpaidAppointmentTask } from './expire_unpaid_appointment.js';
import { markNoShowTask } from './mark_no_show.js';
import { sendAppointmentEmailTask } from './send_appointment_email.js';
import { sendAppointmentReminderTask } from './send_appointment_reminder.js';

export const schedulingTasks: TaskGroup = {
  tasks: [sendAppointmentEmailTask, sendAppointmentReminderTask, markNoShowTask, expireUnpaidAppointmentTask],
  crontab: [],
};
