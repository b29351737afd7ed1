import { withTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError, ValidationError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { assertSlotFree, loadDoctorSchedule } from '../scheduling/free-slots.js';
import { slotEnd } from '../scheduling/slots.js';
import { type AppointmentRow, loadVisibleAppointment } from './appointment.js';
import { insertAppointment } from './book-appointment.js';
import { confirmAppointment } from './confirm-appointment.js';
import type { NewTimeBody } from './schemas.js';

/** Body of `POST /appointments/:id/follow-up`. */
export type FollowUpInput = NewTimeBody;

/**
 * Books a follow-up of a confirmed or completed appointment, by that appointment's doctor, for the
 * same patient, at a later free slot, linked by `followUpOf`.
 *
 * The doctor already decided the visit is needed, so a free follow-up is confirmed at once (with its
 * reminders); one with a fee stays pending until paid, like any booking.
 */
export function bookFollowUp(
  actor: Actor,
  id: string,
  input: FollowUpInput,
  now = new Date(),
): Promise<AppointmentRow> {
  return withTransaction(async (trx) => {
    const original = await loadVisibleAppointment(trx, actor, id);
    if (original.status !== 'confirmed' && original.status !== 'completed') {
      throw new ConflictError(
        'invalid_transition',
        `A follow-up can only be booked for a confirmed or completed appointment, not a ${original.status} one.`,
      );
    }
    const startsAt = new Date(input.startsAt);
    if (startsAt.getTime() <= original.startsAt.getTime()) {
      throw new ValidationError('The request is invalid.', [
        { path: '/startsAt', message: 'must be after the original appointment' },
      ]);
    }
    const { doctor, availability, busy, patientFound } = await loadDoctorSchedule(
      trx,
      original.doctorId,
      startsAt,
      startsAt,
      { patientId: original.patientId },
    );
    if (!patientFound) throw new NotFoundError('patient');
    assertSlotFree(availability, busy, startsAt, now);
    const row = await insertAppointment(trx, {
      doctor,
      patientId: original.patientId,
      startsAt,
      endsAt: slotEnd(availability, startsAt),
      bufferMinutes: availability.bufferMinutes,
      reason: input.reason,
      followUpOf: original.id,
      actor,
    });
    if (row.feeCents > 0) return row;
    return confirmAppointment(trx, row.id, actor, 'follow-up booked by the doctor');
  });
}
