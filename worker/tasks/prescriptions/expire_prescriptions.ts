import { expirePrescriptions } from '../../../domain/prescriptions/expire-prescriptions.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    expire_prescriptions: {};
  }
}

/** Cron (hourly): expires prescriptions whose last dose has passed and cancels their leftover doses. */
export const expirePrescriptionsTask = defineTask('expire_prescriptions', { type: 'object' }, async () => {
  await expirePrescriptions();
});
