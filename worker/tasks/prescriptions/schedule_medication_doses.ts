import { topUpPrescription } from '../../../domain/prescriptions/top-up-reminders.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    schedule_medication_doses: { prescriptionId: string };
  }
}

/**
 * Materialises the next window of one prescription's doses and queues their reminder jobs.
 * Idempotent, and a no-op for prescriptions that are no longer active or have reminders off.
 */
export const scheduleMedicationDosesTask = defineTask(
  'schedule_medication_doses',
  {
    type: 'object',
    required: ['prescriptionId'],
    properties: { prescriptionId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ prescriptionId }) => {
    await topUpPrescription(prescriptionId);
  },
);
