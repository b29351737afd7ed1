import { queueReminderTopUps } from '../../../domain/prescriptions/top-up-reminders.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    top_up_medication_reminders: {};
  }
}

/** Cron (every 15 minutes): queues a window top-up for each active prescription running short of doses. */
export const topUpMedicationRemindersTask = defineTask(
  'top_up_medication_reminders',
  { type: 'object' },
  async () => {
    await queueReminderTopUps();
  },
);
