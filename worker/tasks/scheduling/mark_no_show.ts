import { markNoShow } from '../../../domain/appointments/complete-appointment.js';
import { db } from '../../../db/knex.js';
import { ConflictError } from '../../../lib/errors.js';
import { defineTask } from '../../define-task.js';
import { MarkNoShowPayload } from '../../../domain/appointments/appointment-jobs.js';

/**
 * Marks a confirmed appointment no-show AUTO_NO_SHOW_MINUTES after its end when nobody completed it.
 * A job for an appointment that was completed, cancelled or moved (different end) does nothing.
 */
export const markNoShowTask = defineTask(
  'mark_no_show',
  MarkNoShowPayload,
  async ({ appointmentId, endsAt }) => {
    const row = await db()('appointments').where({ id: appointmentId }).first('status', 'endsAt');
    if (!row || row.status !== 'confirmed' || (row.endsAt as Date).getTime() !== new Date(endsAt).getTime())
      return;
    try {
      await markNoShow(null, appointmentId, 'not completed after the appointment ended');
    } catch (err) {
      // Completed or cancelled between the read and the lock: nothing left to do.
      if (!(err instanceof ConflictError)) throw err;
    }
  },
);
