import { sendAppointmentReminder } from '../../../domain/appointments/appointment-emails.js';
import { defineTask } from '../../define-task.js';

/** Reminds patient and doctor `hoursBefore` hours ahead; a no-op unless still confirmed at the same start. */
export const sendAppointmentReminderTask = defineTask(
  'send_appointment_reminder',
  {
    type: 'object',
    required: ['appointmentId', 'hoursBefore', 'startsAt'],
    properties: {
      appointmentId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
      hoursBefore: { type: 'integer', minimum: 1 },
      startsAt: { type: 'string', minLength: 1 },
    },
  },
  async (payload) => {
    await sendAppointmentReminder(payload);
  },
);
