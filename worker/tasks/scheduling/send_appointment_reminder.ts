import { sendAppointmentReminder } from '../../../domain/appointments/appointment-emails.js';
import { defineTask } from '../../define-task.js';
import { SendAppointmentReminderPayload } from '../../../domain/appointments/appointment-jobs.js';

/** Reminds patient and doctor `hoursBefore` hours ahead; a no-op unless still confirmed at the same start. */
export const sendAppointmentReminderTask = defineTask(
  'send_appointment_reminder',
  SendAppointmentReminderPayload,
  async (payload) => {
    await sendAppointmentReminder(payload);
  },
);
