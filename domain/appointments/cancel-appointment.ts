import type { Knex } from 'knex';
import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { type Actor } from '../auth/actor.js';
import { onAppointmentCancelled } from '../payments/on-appointment-cancelled.js';
import { type AppointmentRow, loadVisibleAppointment, recordStatusChange, setStatus } from './appointment.js';
import { clearScheduledJobs, queueAppointmentEmails } from './appointment-jobs.js';
import { invalidTransition } from './confirm-appointment.js';

const HOUR_MS = 3_600_000;

/**
 * Throws 409 `cancellation_cutoff` when a patient acts on their appointment too close to its start
 * (PATIENT_CANCEL_CUTOFF_HOURS); staff, admins and the system are not bound by it.
 */
export function assertBeforePatientCutoff(actor: Actor | null, appointment: AppointmentRow, now: Date): void {
  if (actor?.role !== 'patient') return;
  const hours = services().config.patientCancelCutoffHours;
  if (appointment.startsAt.getTime() - now.getTime() < hours * HOUR_MS) {
    throw new ConflictError(
      'cancellation_cutoff',
      `Appointments can be changed online until ${hours} hours before they start; please call the clinic.`,
    );
  }
}

/**
 * Cancels a pending or confirmed appointment: the patient before the cut-off, staff and admins at any
 * time, the system (`actor` null) for unpaid holds. Frees the slot, removes reminders and the
 * no-show job, lets the payments area queue a refund, and emails patient and doctor.
 * 409 `invalid_transition` from any other status.
 */
export function cancelAppointment(
  actor: Actor | null,
  id: string,
  reason?: string,
  now = new Date(),
): Promise<AppointmentRow> {
  return withTransaction(async (trx) => {
    const current = await loadVisibleAppointment(trx, actor, id, { forUpdate: true });
    if (current.status !== 'pending' && current.status !== 'confirmed')
      throw invalidTransition(current.status, 'cancelled');
    assertBeforePatientCutoff(actor, current, now);
    return cancelLocked(trx, current, actor, reason);
  });
}

/**
 * Cancels a pending appointment whose fee is still unpaid (reason `payment_not_received`), deciding
 * under the row lock so a payment confirmed a moment earlier always wins. Returns whether it cancelled.
 */
export function expireUnpaidAppointment(id: string): Promise<boolean> {
  return withTransaction(async (trx) => {
    const current = (await trx('appointments').where({ id }).forUpdate().first()) as
      AppointmentRow | undefined;
    if (
      !current ||
      current.status !== 'pending' ||
      current.feeCents === 0 ||
      current.paymentStatus === 'paid'
    )
      return false;
    await cancelLocked(trx, current, null, 'payment_not_received');
    return true;
  });
}

async function cancelLocked(
  trx: Knex,
  current: AppointmentRow,
  actor: Actor | null,
  reason?: string,
): Promise<AppointmentRow> {
  const row = await setStatus(trx, current.id, 'cancelled');
  const historyId = await recordStatusChange(trx, current.id, {
    from: current.status,
    to: 'cancelled',
    actor,
    reason,
  });
  await clearScheduledJobs(trx, current.id);
  await onAppointmentCancelled(trx as Knex.Transaction, row);
  await queueAppointmentEmails(trx, current.id, 'cancelled', ['patient', 'doctor'], historyId);
  return row;
}
