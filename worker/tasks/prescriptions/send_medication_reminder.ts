import { sendMedicationReminder } from '../../../domain/prescriptions/send-medication-reminder.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    send_medication_reminder: { doseId: string };
  }
}

/**
 * Reminds the patient of one medication dose (email + in-app notification), at most once per dose
 * even when several copies run on several workers; a no-op when the dose was cancelled, opted out
 * or already sent. Queued at the dose's `remind_at` with key `send_medication_reminder:<prescriptionId>:<doseId>`.
 */
export const sendMedicationReminderTask = defineTask(
  'send_medication_reminder',
  {
    type: 'object',
    required: ['doseId'],
    properties: { doseId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ doseId }, helpers) => {
    const outcome = await sendMedicationReminder(doseId);
    if (outcome !== 'sent')
      services().logger.debug(
        { task: 'send_medication_reminder', jobId: helpers.job.id, doseId, outcome },
        'reminder not sent',
      );
  },
);
