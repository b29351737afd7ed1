import type { TaskGroup } from '../../define-task.js';
import { expirePrescriptionsTask } from './expire_prescriptions.js';
import { scheduleMedicationDosesTask } from './schedule_medication_doses.js';
import { sendMedicationReminderTask } from './send_medication_reminder.js';
import { sendReviewReceivedTask } from './send_review_received.js';
import { topUpMedicationRemindersTask } from './top_up_medication_reminders.js';

/** Prescriptions (medication reminders, expiry) and reviews. */
export const prescriptionsTasks: TaskGroup = {
  tasks: [
    sendMedicationReminderTask,
    scheduleMedicationDosesTask,
    topUpMedicationRemindersTask,
    expirePrescriptionsTask,
    sendReviewReceivedTask,
  ],
  crontab: ['*/15 * * * * top_up_medication_reminders ?max=1', '7 * * * * expire_prescriptions ?max=1'],
};
