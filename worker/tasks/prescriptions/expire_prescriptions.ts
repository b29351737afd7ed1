import { expirePrescriptions } from '../../../domain/prescriptions/expire-prescriptions.js';
import { CronPayload, defineTask } from '../../define-task.js';
import { type Static } from '../../../lib/schema.js';

declare global {
  namespace GraphileWorker {
    interface Tasks {
      expire_prescriptions: Static<typeof CronPayload>;
    }
  }
}

/** Cron (hourly): expires prescriptions whose last dose has passed and cancels their leftover doses. */
export const expirePrescriptionsTask = defineTask('expire_prescriptions', CronPayload, async () => {
  await expirePrescriptions();
});
