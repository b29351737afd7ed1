import { sendMedicationReminder } from '../../../domain/prescriptions/send-medication-reminder.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static, Uuid } from '../../../lib/schema.js';

export const SendMedicationReminderPayload = Type.Object({ doseId: Uuid });
export type SendMedicationReminderPayload = Static<typeof SendMedicationReminderPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_medication_reminder: Static<typeof SendMedicationReminderPayload>;
    }
  }
}

/**
 * Reminds the patient of one medication dose (email + in-app notification), at most once per dose
 * even when several copies run on several workers; a no-op when the dose was cancelled, opted out
 * or already sent. Queued at the dose's `remind_at` with key `send_medication_reminder:<prescriptionId>:<doseId>`.
 */
export const sendMedicationReminderTask = defineTask(
  'send_medication_reminder',
  SendMedicationReminderPayload,
  async ({ doseId }, helpers) => {
    const outcome = await sendMedicationReminder(doseId);
    if (outcome !== 'sent')
      services().logger.debug(
        { task: 'send_medication_reminder', jobId: helpers.job.id, doseId, outcome },
        'reminder not sent',
      );
  },
);
