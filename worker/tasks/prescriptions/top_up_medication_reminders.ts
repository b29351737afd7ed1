import { queueReminderTopUps } from '../../../domain/prescriptions/top-up-reminders.js';
import { CronPayload, defineTask } from '../../define-task.js';
import { type Static } from '../../../lib/schema.js';

declare global {
  namespace GraphileWorker {
    interface Tasks {
      top_up_medication_reminders: Static<typeof CronPayload>;
    }
  }
}

/** Cron (every 15 minutes): queues a window top-up for each active prescription running short of doses. */
export const topUpMedicationRemindersTask = defineTask(
  'top_up_medication_reminders',
  CronPayload,
  async () => {
    await queueReminderTopUps();
  },
);
