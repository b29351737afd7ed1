import type { AppointmentPayment as AppointmentPaymentRows } from '../../../domain/payments/read-payments.js';
import type { AppointmentPayment, Payment, Refund } from './schemas.js';
import {
  CAPTURED_STATUSES,
  type PaymentRow,
  type RefundRow,
} from '../../../domain/payments/payment-state.js';

/** A payment (one Checkout Session) as the API returns it; the checkout URL is not repeated here. */
export function presentPayment(p: PaymentRow): Payment {
  return {
    id: p.id,
    appointmentId: p.appointmentId,
    attempt: p.attempt,
    status: p.status,
    sessionStatus: p.sessionStatus,
    checkoutSessionId: p.stripeCheckoutSessionId,
    amountCents: p.amountCents,
    currency: p.currency,
    amountRefundedCents: p.amountRefundedCents,
    expiresAt: p.expiresAt.toISOString(),
    paidAt: p.paidAt ? p.paidAt.toISOString() : null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export function presentRefund(r: RefundRow): Refund {
  return {
    id: r.id,
    paymentId: r.paymentId,
    amountCents: r.amountCents,
    status: r.status,
    reason: r.reason,
    createdAt: r.createdAt.toISOString(),
  };
}

export function presentAppointmentPayment(a: AppointmentPaymentRows): AppointmentPayment {
  const captured = a.payments.filter((p) => CAPTURED_STATUSES.includes(p.status));
  return {
    appointmentId: a.appointmentId,
    paymentStatus: a.paymentStatus,
    feeCents: a.feeCents,
    currency: a.currency,
    amountPaidCents: captured.reduce((n, p) => n + p.amountCents, 0),
    amountRefundedCents: captured.reduce((n, p) => n + p.amountRefundedCents, 0),
    payments: a.payments.map(presentPayment),
    refunds: a.refunds.map(presentRefund),
  };
}
