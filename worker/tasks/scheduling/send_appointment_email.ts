import { sendAppointmentEmail } from '../../../domain/appointments/appointment-emails.js';
import { defineTask } from '../../define-task.js';
import { SendAppointmentEmailPayload } from '../../../domain/appointments/appointment-jobs.js';

/** Emails one party about an appointment change (booked, confirmed, rejected, rescheduled, cancelled); once per ledger key. */
export const sendAppointmentEmailTask = defineTask(
  'send_appointment_email',
  SendAppointmentEmailPayload,
  async (payload) => {
    await sendAppointmentEmail(payload);
  },
);
