import { refundPayment } from '../../../domain/payments/refund-payment.js';
import { defineTask } from '../../define-task.js';

/** Refunds (part of) a payment at Stripe with an idempotency key derived from the payment; retries never refund twice. */
export const refundPaymentTask = defineTask(
  'refund_payment',
  {
    type: 'object',
    required: ['paymentId', 'amountCents', 'reason'],
    properties: {
      paymentId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
      amountCents: { type: 'integer', minimum: 1 },
      reason: { type: 'string', minLength: 1, maxLength: 100 },
    },
  },
  async (payload) => {
    await refundPayment(payload);
  },
);
