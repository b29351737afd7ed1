import type { Knex } from 'knex';
import { parseRefundPolicy, refundAmount, refundPercent } from './refund-policy.js';
import type { PaymentRow } from './payment-state.js';
import { queueRefund } from './sync-payment.js';

/**
 * Runs inside the transaction that cancels, rejects (or marks no-show) an appointment; queues the
 * refund its stored policy grants for every payment that took money.
 *
 * Scheduling calls it once per change, with the row as it is after the status change. The payments
 * are re-read here (under the caller's row lock) instead of trusting `paymentStatus`, so a payment
 * that a sync recorded a moment earlier is refunded too. Amounts already refunded are subtracted.
 * The Stripe call happens in the `refund_payment` job, keyed `refund_payment:<paymentId>`.
 */
export async function onAppointmentCancelled(
  trx: Knex.Transaction,
  appointment: { id: string; paymentStatus: string; startsAt: Date | string; status: string },
  now = new Date(),
): Promise<void> {
  const payments = (await trx('payments')
    .where({ appointmentId: appointment.id })
    .whereIn('status', ['paid', 'partially_refunded'])
    .select('*')) as PaymentRow[];
  if (payments.length === 0) return;
  const row = await trx('appointments').where({ id: appointment.id }).first('refundPolicy');
  const policy = parseRefundPolicy(row?.refundPolicy);
  const percent = refundPercent(policy, appointment.status, new Date(appointment.startsAt), now);
  if (percent <= 0) return;
  for (const p of payments) {
    const amount = Math.min(refundAmount(p.amountCents, percent), p.amountCents - p.amountRefundedCents);
    const reason = appointment.status === 'cancelled' ? 'cancellation' : appointment.status;
    await queueRefund(trx, p.id, amount, reason);
  }
}
