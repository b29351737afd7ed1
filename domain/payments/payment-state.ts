/**
 * Payment states and the pure function that derives them from Stripe's current objects. Deriving
 * from the current Checkout Session, PaymentIntent and refund list (instead of applying each event's
 * delta) is what makes any delivery order, duplicates and missed webhooks end in the same state.
 */
import type { Stripe } from '../../lib/stripe.js';

export const PAYMENT_STATUSES = ['unpaid', 'paid', 'failed', 'refunded', 'partially_refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const SESSION_STATUSES = ['open', 'complete', 'expired'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

export const REFUND_STATUSES = ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];

/** Statuses in which money was taken (some of it may have been returned since). */
export const CAPTURED_STATUSES: readonly PaymentStatus[] = ['paid', 'partially_refunded', 'refunded'];

/** A payments row as Knex returns it (camelCase). */
export interface PaymentRow {
  id: string;
  appointmentId: string;
  attempt: number;
  stripeCheckoutSessionId: string;
  stripePaymentIntentId: string | null;
  checkoutUrl: string | null;
  amountCents: number;
  currency: string;
  status: PaymentStatus;
  sessionStatus: SessionStatus;
  amountRefundedCents: number;
  expiresAt: Date;
  paidAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A refunds row as Knex returns it (camelCase). */
export interface RefundRow {
  id: string;
  paymentId: string;
  stripeRefundId: string | null;
  amountCents: number;
  status: RefundStatus;
  idempotencyKey: string;
  reason: string;
  failureReason: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What Stripe currently says about one Checkout Session, reduced to what clinicflow stores. */
export interface DerivedPayment {
  status: PaymentStatus;
  sessionStatus: SessionStatus;
  paymentIntentId: string | null;
  amountCents: number;
  currency: string;
  amountRefundedCents: number;
  refunds: DerivedRefund[];
}

export interface DerivedRefund {
  stripeRefundId: string;
  amountCents: number;
  status: RefundStatus;
  /** Our idempotency key, when we created the refund (carried in its metadata). */
  idempotencyKey: string | null;
  failureReason: string | null;
}

const asRefundStatus = (s: string | null | undefined): RefundStatus =>
  (REFUND_STATUSES as readonly string[]).includes(s ?? '') ? (s as RefundStatus) : 'pending';

/**
 * Derives the payment state from the session, its PaymentIntent (if any) and every refund of it.
 *
 * - money taken = session `payment_status: paid` (card payments at completion, delayed methods when
 *   the async payment succeeded) or the PaymentIntent `succeeded`;
 * - failed = the session completed but the PaymentIntent needs a new payment method or was cancelled
 *   (an async payment that failed);
 * - refunded amounts count refunds that succeeded or are still pending (Stripe does the same for
 *   `charge.amount_refunded`), so the state does not flip back while a refund settles.
 */
export function derivePayment(
  session: Stripe.Checkout.Session,
  paymentIntent: Stripe.PaymentIntent | null,
  refunds: Stripe.Refund[],
): DerivedPayment {
  const amountCents = session.amount_total ?? paymentIntent?.amount ?? 0;
  const captured = session.payment_status === 'paid' || paymentIntent?.status === 'succeeded';
  const failed =
    !captured &&
    session.status === 'complete' &&
    (paymentIntent?.status === 'requires_payment_method' || paymentIntent?.status === 'canceled');
  const derivedRefunds: DerivedRefund[] = refunds.map((r) => ({
    stripeRefundId: r.id,
    amountCents: r.amount,
    status: asRefundStatus(r.status),
    idempotencyKey: (r.metadata?.clinicflow_key as string | undefined) ?? null,
    failureReason: r.failure_reason ?? null,
  }));
  const refunded = Math.min(
    amountCents,
    derivedRefunds
      .filter((r) => r.status === 'succeeded' || r.status === 'pending')
      .reduce((n, r) => n + r.amountCents, 0),
  );
  let status: PaymentStatus = 'unpaid';
  if (captured) status = refunded <= 0 ? 'paid' : refunded >= amountCents ? 'refunded' : 'partially_refunded';
  else if (failed) status = 'failed';
  return {
    status,
    sessionStatus: (session.status ?? 'open') as SessionStatus,
    paymentIntentId:
      paymentIntent?.id ?? (typeof session.payment_intent === 'string' ? session.payment_intent : null),
    amountCents,
    currency: (session.currency ?? paymentIntent?.currency ?? 'usd').toLowerCase(),
    amountRefundedCents: captured ? refunded : 0,
    refunds: derivedRefunds,
  };
}

/**
 * The appointment's `paymentStatus` from all its payments: the best captured payment wins (a paid
 * duplicate that was refunded does not hide the payment that counts), then failed, then unpaid.
 */
export function appointmentPaymentStatus(statuses: PaymentStatus[]): PaymentStatus {
  for (const s of ['paid', 'partially_refunded', 'refunded', 'failed'] as const) {
    if (statuses.includes(s)) return s;
  }
  return 'unpaid';
}

/** "$50.00" / "50,00 €": an amount in minor units formatted for emails. */
export function formatAmount(cents: number, currency: string): string {
  const code = currency.toUpperCase();
  let format: Intl.NumberFormat;
  try {
    format = new Intl.NumberFormat('en', { style: 'currency', currency: code });
  } catch {
    return `${(cents / 100).toFixed(2)} ${code}`;
  }
  // Stripe amounts are in the currency's minor unit: 2 decimals for USD, none for JPY.
  return format.format(cents / 10 ** (format.resolvedOptions().maximumFractionDigits ?? 2));
}
