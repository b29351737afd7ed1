import { topUpPrescription } from '../../../domain/prescriptions/top-up-reminders.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static, Uuid } from '../../../lib/schema.js';

export const ScheduleMedicationDosesPayload = Type.Object({ prescriptionId: Uuid });
export type ScheduleMedicationDosesPayload = Static<typeof ScheduleMedicationDosesPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      schedule_medication_doses: Static<typeof ScheduleMedicationDosesPayload>;
    }
  }
}

/**
 * Materialises the next window of one prescription's doses and queues their reminder jobs.
 * Idempotent, and a no-op for prescriptions that are no longer active or have reminders off.
 */
export const scheduleMedicationDosesTask = defineTask(
  'schedule_medication_doses',
  ScheduleMedicationDosesPayload,
  async ({ prescriptionId }) => {
    await topUpPrescription(prescriptionId);
  },
);
