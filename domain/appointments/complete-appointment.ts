import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { type AppointmentRow, loadVisibleAppointment, recordStatusChange, setStatus } from './appointment.js';
import { clearScheduledJobs } from './appointment-jobs.js';
import { invalidTransition } from './confirm-appointment.js';

/**
 * Ends a confirmed appointment as `completed` or `no-show` (its doctor, staff or admins; `actor`
 * null = the automatic no-show job). Only once it has started: 409 `not_started` before that, 409
 * `invalid_transition` unless confirmed. Removes whatever reminders or no-show job remain.
 */
export function finishAppointment(
  actor: Actor | null,
  id: string,
  outcome: 'completed' | 'no-show',
  reason?: string,
  now = new Date(),
): Promise<AppointmentRow> {
  return withTransaction(async (trx) => {
    const current = await loadVisibleAppointment(trx, actor, id, { forUpdate: true });
    if (current.status !== 'confirmed') {
      throw invalidTransition(current.status, outcome === 'completed' ? 'completed' : 'marked no-show');
    }
    if (current.startsAt.getTime() > now.getTime()) {
      throw new ConflictError('not_started', 'The appointment has not started yet.');
    }
    const row = await setStatus(trx, id, outcome);
    await recordStatusChange(trx, id, { from: 'confirmed', to: outcome, actor, reason });
    await clearScheduledJobs(trx, id);
    return row;
  });
}

/** Marks a confirmed, started appointment completed. See {@link finishAppointment}. */
export const completeAppointment = (actor: Actor, id: string, reason?: string): Promise<AppointmentRow> =>
  finishAppointment(actor, id, 'completed', reason);

/** Marks a confirmed, started appointment as a no-show. See {@link finishAppointment}. */
export const markNoShow = (actor: Actor | null, id: string, reason?: string): Promise<AppointmentRow> =>
  finishAppointment(actor, id, 'no-show', reason);
