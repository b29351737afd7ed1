import { refundPayment } from '../../../domain/payments/refund-payment.js';
import { defineTask } from '../../define-task.js';
import { RefundPaymentPayload } from '../../../domain/payments/sync-payment.js';

/** Refunds (part of) a payment at Stripe with an idempotency key derived from the payment; retries never refund twice. */
export const refundPaymentTask = defineTask('refund_payment', RefundPaymentPayload, async (payload) => {
  await refundPayment(payload);
});
