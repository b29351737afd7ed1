import { withTransaction } from '../../db/transaction.js';
import type { Actor } from '../auth/actor.js';
import { onAppointmentCancelled } from '../payments/on-appointment-cancelled.js';
import { type AppointmentRow, loadVisibleAppointment, recordStatusChange, setStatus } from './appointment.js';
import { clearScheduledJobs, queueAppointmentEmails } from './appointment-jobs.js';
import { invalidTransition } from './confirm-appointment.js';

/**
 * Rejects a pending appointment (admin or appointment-manager), which frees its slot and tells the
 * patient why. A payment that raced the rejection is handed to the payments hook like a cancellation,
 * so a rejected appointment is never kept paid.
 */
export function rejectAppointment(actor: Actor, id: string, reason?: string): Promise<AppointmentRow> {
  return withTransaction(async (trx) => {
    const current = await loadVisibleAppointment(trx, actor, id, { forUpdate: true });
    if (current.status !== 'pending') throw invalidTransition(current.status, 'rejected');
    const row = await setStatus(trx, id, 'rejected');
    const historyId = await recordStatusChange(trx, id, { from: 'pending', to: 'rejected', actor, reason });
    await clearScheduledJobs(trx, id);
    await onAppointmentCancelled(trx, row);
    await queueAppointmentEmails(trx, id, 'rejected', ['patient'], historyId);
    return row;
  });
}
