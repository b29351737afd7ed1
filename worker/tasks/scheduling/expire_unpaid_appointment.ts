import { cancelAppointment } from '../../../domain/appointments/cancel-appointment.js';
import { db } from '../../../db/knex.js';
import { ConflictError } from '../../../lib/errors.js';
import { defineTask } from '../../define-task.js';

/**
 * Cancels a pending appointment with a fee that is still unpaid when its hold (PAYMENT_HOLD_MINUTES)
 * ends, which frees the slot; reason `payment_not_received`. Paid or no longer pending: nothing to do.
 */
export const expireUnpaidAppointmentTask = defineTask(
  'expire_unpaid_appointment',
  {
    type: 'object',
    required: ['appointmentId'],
    properties: { appointmentId: { type: 'string', format: 'uuid' } },
  },
  async ({ appointmentId }) => {
    const row = await db()('appointments').where({ id: appointmentId }).first('status', 'paymentStatus', 'feeCents');
    if (!row || row.status !== 'pending' || row.paymentStatus === 'paid' || row.feeCents === 0) return;
    try {
      await cancelAppointment(null, appointmentId, 'payment_not_received');
    } catch (err) {
      if (!(err instanceof ConflictError)) throw err;
    }
  },
);
