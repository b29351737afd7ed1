import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { stripeClient } from '../../lib/stripe.js';
import type { PaymentRow, RefundRow } from './payment-state.js';
import { type RefundPaymentPayload, syncCheckoutSession } from './sync-payment.js';

/** The Stripe idempotency key of a refund: derived from the payment and amount, stable across retries. */
export const refundIdempotencyKey = (paymentId: string, amountCents: number): string =>
  `refund:${paymentId}:${amountCents}`;

/**
 * Carries out one refund: syncs the payment from Stripe, stores the refund row (keyed by its
 * idempotency key) before calling Stripe, calls `refunds.create` with that key, then syncs again
 * (status, totals, email).
 *
 * Safe to run any number of times. The first sync links a refund that an earlier attempt made but
 * never recorded (found by the key in its metadata), so a retry does not call Stripe again even after
 * Stripe has forgotten the idempotency key (it keeps them about 24 hours; job retries and a manual
 * "retry" from the jobs admin can come later). Two copies running at once send the same key, and
 * Stripe answers both with one refund. A refund that would exceed what is left of the payment (as
 * Stripe reports it now, Dashboard refunds included) is trimmed; nothing left, or a payment that never
 * took money, makes the job a no-op.
 *
 * When Stripe fails or times out (after the client's own two retries with the same key) the error is
 * thrown, so the job fails and graphile-worker retries it with back-off. What stays behind is only the
 * `pending` refund row without a Stripe id: the record that this refund is owed, under its key, which
 * the next attempt picks up. No totals, statuses or emails change until Stripe has answered.
 */
export async function refundPayment(payload: RefundPaymentPayload): Promise<void> {
  const knex = db();
  const key = refundIdempotencyKey(payload.paymentId, payload.amountCents);
  const target = await knex('payments')
    .where({ id: payload.paymentId })
    .first('stripeCheckoutSessionId', 'appointmentId');
  if (!target) return;
  await syncCheckoutSession(target.stripeCheckoutSessionId as string, {
    appointmentIdHint: target.appointmentId as string,
  });
  const prepared = await knex.transaction(async (trx) => {
    const payment = (await trx('payments').where({ id: payload.paymentId }).forUpdate().first()) as
      PaymentRow | undefined;
    if (!payment || !payment.stripePaymentIntentId) return null;
    let refund = (await trx('refunds').where({ idempotencyKey: key }).first()) as RefundRow | undefined;
    if (!refund) {
      if (payment.status !== 'paid' && payment.status !== 'partially_refunded') return null;
      const amount = Math.min(payload.amountCents, payment.amountCents - payment.amountRefundedCents);
      if (amount <= 0) return null;
      [refund] = (await trx('refunds')
        .insert({
          paymentId: payment.id,
          amountCents: amount,
          status: 'pending',
          idempotencyKey: key,
          reason: payload.reason,
        })
        .returning('*')) as RefundRow[];
    }
    return { payment, refund };
  });
  if (!prepared) return;
  const { payment, refund } = prepared;

  if (!refund.stripeRefundId) {
    // Every parameter comes from the stored row, so each attempt sends exactly what the first did:
    // Stripe replays a key only for identical parameters (others get 400 idempotency_error).
    const created = await stripeClient().refunds.create(
      {
        payment_intent: payment.stripePaymentIntentId!,
        amount: refund.amountCents,
        reason: refund.reason === 'duplicate_payment' ? 'duplicate' : 'requested_by_customer',
        metadata: {
          clinicflow_key: key,
          payment_id: payment.id,
          appointment_id: payment.appointmentId,
          reason: refund.reason,
        },
      },
      { idempotencyKey: key },
    );
    await knex('refunds')
      .where({ id: refund.id })
      .whereNull('stripeRefundId')
      .update({ stripeRefundId: created.id, updatedAt: knex.fn.now() });
    services().logger.info(
      { paymentId: payment.id, refundId: refund.id, amountCents: refund.amountCents },
      'refund requested from Stripe',
    );
  }
  await syncCheckoutSession(payment.stripeCheckoutSessionId, { appointmentIdHint: payment.appointmentId });
}
