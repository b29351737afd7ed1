import type { Knex } from 'knex';
import { removeJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { type AppointmentRow, loadVisibleAppointment, recordStatusChange, setStatus } from './appointment.js';
import { expireUnpaidKey, queueAppointmentEmails, scheduleConfirmedJobs } from './appointment-jobs.js';

/** The 409 for a change the current status does not allow. */
export const invalidTransition = (from: string, action: string): ConflictError =>
  new ConflictError('invalid_transition', `An appointment that is ${from} cannot be ${action}.`);

/**
 * Moves a pending appointment to confirmed on `trx`: status history, the confirmation emails (the
 * patient's carries an .ics), the reminder jobs and the automatic no-show job, all with job keys.
 *
 * Shared by approval and by the payment webhook (`actor` null = the system). Locks the row; throws
 * 404 for an unknown id and 409 `invalid_transition` unless the appointment is pending. Payment is
 * not checked here: approval checks it, and the webhook calls this because the payment arrived.
 */
export async function confirmAppointment(
  trx: Knex.Transaction,
  appointmentId: string,
  actor: Actor | null,
  reason?: string,
): Promise<AppointmentRow> {
  const current = await loadVisibleAppointment(trx, null, appointmentId, { forUpdate: true });
  if (current.status !== 'pending') throw invalidTransition(current.status, 'confirmed');
  const row = await setStatus(trx, current.id, 'confirmed');
  const historyId = await recordStatusChange(trx, row.id, {
    from: 'pending',
    to: 'confirmed',
    actor,
    reason,
  });
  await queueAppointmentEmails(trx, row.id, 'confirmed', ['patient', 'doctor'], historyId);
  await scheduleConfirmedJobs(trx, row);
  await removeJob(trx, expireUnpaidKey(row.id));
  return row;
}

/**
 * Approves a pending appointment (admin or appointment-manager). 409 `payment_required` when the
 * doctor charges a fee that is not paid yet: paid appointments are confirmed by the payment webhook.
 */
export function approveAppointment(actor: Actor, id: string, reason?: string): Promise<AppointmentRow> {
  return withTransaction(async (trx) => {
    const current = await loadVisibleAppointment(trx, actor, id, { forUpdate: true });
    if (current.status !== 'pending') throw invalidTransition(current.status, 'approved');
    if (current.feeCents > 0 && current.paymentStatus !== 'paid') {
      throw new ConflictError(
        'payment_required',
        'This appointment can be approved only after it has been paid.',
      );
    }
    return confirmAppointment(trx, id, actor, reason);
  });
}
