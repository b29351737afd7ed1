import { sendAppointmentEmail } from '../../../domain/appointments/appointment-emails.js';
import { defineTask } from '../../define-task.js';

/** Emails one party about an appointment change (booked, confirmed, rejected, rescheduled, cancelled); once per ledger key. */
export const sendAppointmentEmailTask = defineTask(
  'send_appointment_email',
  {
    type: 'object',
    required: ['appointmentId', 'event', 'recipient', 'historyId'],
    properties: {
      appointmentId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
      event: { enum: ['booked', 'confirmed', 'rejected', 'rescheduled', 'cancelled'] },
      recipient: { enum: ['patient', 'doctor'] },
      historyId: { type: 'integer', minimum: 1 },
    },
  },
  async (payload) => {
    await sendAppointmentEmail(payload);
  },
);
