/**
 * The one place where Stripe's state becomes ours. Webhook jobs, the refund job and reconciliation
 * all call {@link syncCheckoutSession}; it fetches the current objects from Stripe, derives the state
 * and applies it, and its side effects fire only on a transition, so running it again (or in any
 * order relative to other events) changes nothing.
 */
import type { Knex } from 'knex';
import { addJob } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { stripeClient, type Stripe } from '../../lib/stripe.js';
import type { AppointmentRow } from '../appointments/appointment.js';
import { confirmAppointment } from '../appointments/confirm-appointment.js';
import { applyRefundsToInvoice, settleAppointmentInvoice } from '../billing/settle-appointment-invoice.js';
import { queuePaymentEmail } from './payment-emails.js';
import {
  appointmentPaymentStatus,
  CAPTURED_STATUSES,
  derivePayment,
  type PaymentRow,
  type PaymentStatus,
  type RefundRow,
} from './payment-state.js';
import { Type, type Static, Uuid } from '../../lib/schema.js';

export const RefundPaymentPayload = Type.Object({
  paymentId: Uuid,
  amountCents: Type.Integer({ minimum: 1 }),
  /** Why: `cancellation`, `rejected`, `no-show`, `appointment_not_live`, `duplicate_payment`. */
  reason: Type.String({ minLength: 1, maxLength: 100 }),
});
export type RefundPaymentPayload = Static<typeof RefundPaymentPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      refund_payment: Static<typeof RefundPaymentPayload>;
    }
  }
}

/** What one sync found and changed; `changes` is empty when our rows already matched Stripe. */
export interface SyncResult {
  paymentId: string;
  appointmentId: string;
  sessionId: string;
  before: PaymentStatus | null;
  after: PaymentStatus;
  changes: string[];
}

export const refundJobKey = (paymentId: string): string => `refund_payment:${paymentId}`;

/**
 * Queues the refund job of a payment on `trx`. One job key per payment: a queued refund is replaced,
 * never doubled, and the Stripe idempotency key inside the job makes even two running copies safe.
 */
export async function queueRefund(
  trx: Knex,
  paymentId: string,
  amountCents: number,
  reason: string,
): Promise<void> {
  if (amountCents <= 0) return;
  await addJob(
    trx,
    'refund_payment',
    { paymentId, amountCents, reason },
    { jobKey: refundJobKey(paymentId), maxAttempts: 25 },
  );
}

interface StripeState {
  session: Stripe.Checkout.Session;
  paymentIntent: Stripe.PaymentIntent | null;
  refunds: Stripe.Refund[];
}

async function fetchStripeState(sessionId: string): Promise<StripeState> {
  const stripe = stripeClient();
  const session = await stripe.checkout.sessions.retrieve(sessionId);
  const piId =
    typeof session.payment_intent === 'string'
      ? session.payment_intent
      : (session.payment_intent?.id ?? null);
  if (!piId) return { session, paymentIntent: null, refunds: [] };
  const paymentIntent = await stripe.paymentIntents.retrieve(piId);
  const refunds = await stripe.refunds
    .list({ payment_intent: piId, limit: 100 })
    .autoPagingToArray({ limit: 1000 });
  return { session, paymentIntent, refunds };
}

/** The appointment a session belongs to: our row if we have one, else the session's metadata. */
async function appointmentOfSession(sessionId: string, hint?: string): Promise<string | null> {
  const existing = await db()('payments')
    .where({ stripeCheckoutSessionId: sessionId })
    .first('appointmentId');
  if (existing) return existing.appointmentId as string;
  if (hint) return hint;
  const session = await stripeClient().checkout.sessions.retrieve(sessionId);
  return session.metadata?.appointment_id ?? null;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Brings one Checkout Session's payment (and its refunds, and the appointment's `paymentStatus`) in
 * line with Stripe, under the appointment's row lock. Stripe is read inside the lock, so the last
 * writer always applied the freshest state, and a cancellation racing a payment is decided one way
 * or the other, never both.
 *
 * On the transition to "money taken": a pending appointment is confirmed (reminders follow) and the
 * patient is emailed; a payment for an appointment that was cancelled or rejected meanwhile, or a
 * second payment of an already paid appointment, is refunded in full. On the transition to failed the
 * patient gets the retry email; each refund that succeeds gets a refund email.
 *
 * @returns null when the session is not a clinicflow appointment payment.
 */
export async function syncCheckoutSession(
  sessionId: string,
  opts: { appointmentIdHint?: string } = {},
): Promise<SyncResult | null> {
  const hint =
    opts.appointmentIdHint && UUID_RE.test(opts.appointmentIdHint) ? opts.appointmentIdHint : undefined;
  const appointmentId = await appointmentOfSession(sessionId, hint);
  if (!appointmentId || !UUID_RE.test(appointmentId)) return null;
  return db().transaction(async (trx) => {
    const appointment = (await trx('appointments').where({ id: appointmentId }).forUpdate().first()) as
      AppointmentRow | undefined;
    if (!appointment) return null;
    const state = await fetchStripeState(sessionId);
    if (state.session.metadata?.appointment_id !== appointment.id) return null;
    return applyStripeState(trx, appointment, state);
  });
}

async function applyStripeState(
  trx: Knex.Transaction,
  appointment: AppointmentRow,
  state: StripeState,
): Promise<SyncResult> {
  const { session } = state;
  const derived = derivePayment(session, state.paymentIntent, state.refunds);
  const changes: string[] = [];

  let payment = (await trx('payments').where({ stripeCheckoutSessionId: session.id }).forUpdate().first()) as
    PaymentRow | undefined;
  const before = payment?.status ?? null;
  if (!payment) {
    // Stripe has a session our database never stored (a crash between the Stripe call and the commit).
    const last = await trx('payments').where({ appointmentId: appointment.id }).max('attempt as max').first();
    [payment] = (await trx('payments')
      .insert({
        appointmentId: appointment.id,
        attempt: Number(last?.max ?? 0) + 1,
        stripeCheckoutSessionId: session.id,
        checkoutUrl: session.url ?? null,
        amountCents: derived.amountCents,
        currency: derived.currency,
        expiresAt: new Date(session.expires_at * 1000),
      })
      .returning('*')) as PaymentRow[];
    changes.push('payment adopted from Stripe');
  }

  const captured = CAPTURED_STATUSES.includes(derived.status);
  if (
    payment.status !== derived.status ||
    payment.sessionStatus !== derived.sessionStatus ||
    payment.amountRefundedCents !== derived.amountRefundedCents ||
    payment.stripePaymentIntentId !== derived.paymentIntentId
  ) {
    [payment] = (await trx('payments')
      .where({ id: payment.id })
      .update({
        status: derived.status,
        sessionStatus: derived.sessionStatus,
        stripePaymentIntentId: derived.paymentIntentId,
        amountRefundedCents: derived.amountRefundedCents,
        paidAt: captured ? (payment.paidAt ?? trx.fn.now()) : payment.paidAt,
        updatedAt: trx.fn.now(),
      })
      .returning('*')) as PaymentRow[];
    if (before !== derived.status) changes.push(`payment ${before ?? 'unpaid'} → ${derived.status}`);
    else changes.push(`session ${derived.sessionStatus}`);
  }

  for (const r of derived.refunds) {
    let row = (await trx('refunds').where({ stripeRefundId: r.stripeRefundId }).first()) as
      RefundRow | undefined;
    if (!row && r.idempotencyKey)
      row = (await trx('refunds').where({ idempotencyKey: r.idempotencyKey }).first()) as
        RefundRow | undefined;
    const oldStatus = row?.status;
    if (!row) {
      // A refund made outside clinicflow (e.g. in the Stripe Dashboard): record it so totals add up.
      [row] = (await trx('refunds')
        .insert({
          paymentId: payment.id,
          stripeRefundId: r.stripeRefundId,
          amountCents: r.amountCents,
          status: r.status,
          idempotencyKey: `stripe:${r.stripeRefundId}`,
          reason: 'external',
          failureReason: r.failureReason,
        })
        .returning('*')) as RefundRow[];
      changes.push(`refund ${r.stripeRefundId} recorded`);
    } else if (
      row.status !== r.status ||
      row.stripeRefundId !== r.stripeRefundId ||
      row.amountCents !== r.amountCents
    ) {
      await trx('refunds').where({ id: row.id }).update({
        stripeRefundId: r.stripeRefundId,
        status: r.status,
        amountCents: r.amountCents,
        failureReason: r.failureReason,
        updatedAt: trx.fn.now(),
      });
      changes.push(`refund ${r.stripeRefundId} ${oldStatus} → ${r.status}`);
    }
    if (r.status === 'succeeded' && oldStatus !== 'succeeded') {
      await queuePaymentEmail(trx, {
        kind: 'refund_issued',
        payment,
        refundId: row.id,
        amountCents: r.amountCents,
      });
    }
  }

  const all = (await trx('payments').where({ appointmentId: appointment.id }).select('id', 'status')) as Pick<
    PaymentRow,
    'id' | 'status'
  >[];
  const apptStatus = appointmentPaymentStatus(all.map((p) => p.status));
  if (apptStatus !== appointment.paymentStatus) {
    await trx('appointments')
      .where({ id: appointment.id })
      .update({ paymentStatus: apptStatus, updatedAt: trx.fn.now() });
    changes.push(`appointment paymentStatus ${appointment.paymentStatus} → ${apptStatus}`);
  }

  const wasCaptured = before !== null && CAPTURED_STATUSES.includes(before);
  if (captured && !wasCaptured) {
    const otherCaptured = all.some(
      (p) => p.id !== payment.id && (p.status === 'paid' || p.status === 'partially_refunded'),
    );
    const remaining = payment.amountCents - payment.amountRefundedCents;
    if (otherCaptured) {
      await queueRefund(trx, payment.id, remaining, 'duplicate_payment');
      changes.push('duplicate payment: full refund queued');
    } else if (appointment.status === 'cancelled' || appointment.status === 'rejected') {
      await queueRefund(trx, payment.id, remaining, 'appointment_not_live');
      changes.push(`appointment ${appointment.status}: full refund queued`);
    } else {
      if (appointment.status === 'pending') {
        await confirmAppointment(trx, appointment.id, null, 'payment received');
        changes.push('appointment confirmed');
      }
      await queuePaymentEmail(trx, { kind: 'payment_confirmed', payment });
      if (await settleAppointmentInvoice(trx, appointment, payment)) changes.push('invoice settled');
    }
  } else if (derived.status === 'failed' && before !== 'failed') {
    await queuePaymentEmail(trx, { kind: 'payment_failed', payment });
  }
  if (await applyRefundsToInvoice(trx, payment)) changes.push('refund shown on invoice');

  if (changes.length) {
    services().logger.info(
      { paymentId: payment.id, appointmentId: appointment.id, sessionId: session.id, changes },
      'payment synchronised with Stripe',
    );
  }
  return {
    paymentId: payment.id,
    appointmentId: appointment.id,
    sessionId: session.id,
    before,
    after: derived.status,
    changes,
  };
}
