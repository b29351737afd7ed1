import { withTransaction } from '../../db/transaction.js';
import { ValidationError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { assertSlotFree, loadDoctorSchedule } from '../scheduling/free-slots.js';
import { slotEnd } from '../scheduling/slots.js';
import { type AppointmentRow, loadVisibleAppointment, recordStatusChange } from './appointment.js';
import { queueAppointmentEmails, scheduleConfirmedJobs } from './appointment-jobs.js';
import { assertBeforePatientCutoff } from './cancel-appointment.js';
import { invalidTransition } from './confirm-appointment.js';
import type { NewTimeBody } from './schemas.js';

/** Body of `POST /appointments/:id/reschedule`. */
export type RescheduleInput = NewTimeBody;

/**
 * Moves a pending or confirmed appointment to another free slot of the same doctor (the patient
 * before the cut-off, staff and admins any time). The row keeps its id, status and payment; the
 * reminder and no-show jobs are re-added under their keys (moved, never duplicated) and patient and
 * doctor are emailed. The appointment's own current time does not block the new one; any other
 * appointment does (409 `slot_taken`, also via the exclusion constraint under a race).
 */
export function rescheduleAppointment(
  actor: Actor,
  id: string,
  input: RescheduleInput,
  now = new Date(),
): Promise<AppointmentRow> {
  return withTransaction(async (trx) => {
    const current = await loadVisibleAppointment(trx, actor, id, { forUpdate: true });
    if (current.status !== 'pending' && current.status !== 'confirmed')
      throw invalidTransition(current.status, 'rescheduled');
    assertBeforePatientCutoff(actor, current, now);
    const startsAt = new Date(input.startsAt);
    if (startsAt.getTime() === current.startsAt.getTime()) {
      throw new ValidationError('The request is invalid.', [
        { path: '/startsAt', message: 'must differ from the current start' },
      ]);
    }
    const { availability, busy } = await loadDoctorSchedule(trx, current.doctorId, startsAt, startsAt, {
      excludeAppointmentId: current.id,
    });
    assertSlotFree(availability, busy, startsAt, now);
    const [row] = (await trx('appointments')
      .where({ id })
      .update({
        startsAt,
        endsAt: slotEnd(availability, startsAt),
        bufferMinutes: availability.bufferMinutes,
        updatedAt: trx.fn.now(),
      })
      .returning('*')) as AppointmentRow[];
    const historyId = await recordStatusChange(trx, id, {
      from: current.status,
      to: current.status,
      actor,
      reason: input.reason,
      fromStartsAt: current.startsAt,
      toStartsAt: row.startsAt,
    });
    if (row.status === 'confirmed') await scheduleConfirmedJobs(trx, row, now);
    await queueAppointmentEmails(trx, id, 'rescheduled', ['patient', 'doctor'], historyId);
    return row;
  });
}
