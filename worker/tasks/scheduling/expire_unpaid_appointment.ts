import { expireUnpaidAppointment } from '../../../domain/appointments/cancel-appointment.js';
import { defineTask } from '../../define-task.js';
import { ExpireUnpaidAppointmentPayload } from '../../../domain/appointments/appointment-jobs.js';

/**
 * Cancels a pending appointment with a fee that is still unpaid when its hold (PAYMENT_HOLD_MINUTES)
 * ends, which frees the slot; reason `payment_not_received`. Paid or no longer pending: nothing to do.
 */
export const expireUnpaidAppointmentTask = defineTask(
  'expire_unpaid_appointment',
  ExpireUnpaidAppointmentPayload,
  async ({ appointmentId }) => {
    await expireUnpaidAppointment(appointmentId);
  },
);
