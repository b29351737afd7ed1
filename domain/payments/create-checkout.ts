import { DateTime } from 'luxon';
import { withTransaction } from '../../db/transaction.js';
import { AppError, ConflictError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { isStripeUnavailable, PaymentsUnavailableError, stripeClient, Stripe } from '../../lib/stripe.js';
import { loadVisibleAppointment } from '../appointments/appointment.js';
import type { Actor } from '../auth/actor.js';
import { CAPTURED_STATUSES, type PaymentRow } from './payment-state.js';

const MINUTE_MS = 60_000;
/** Stripe accepts `expires_at` between 30 minutes and 24 hours after the session is created. */
const STRIPE_MIN_EXPIRY_MS = 30 * MINUTE_MS;
const STRIPE_MAX_EXPIRY_MS = 24 * 60 * MINUTE_MS;
/** An open session this close to its expiry is not handed out again: the patient could not finish. */
const REUSE_MARGIN_MS = 5 * MINUTE_MS;

export interface CheckoutResult {
  url: string;
  sessionId: string;
}

/**
 * When the session of an appointment expires: the end of its slot hold (created_at +
 * PAYMENT_HOLD_MINUTES), but at least 31 minutes from now (Stripe's minimum plus a margin for the
 * request's own latency) and at most 24 hours. Rounded up to the minute, so a double click sends
 * identical parameters with its identical idempotency key.
 */
export function checkoutExpiry(createdAt: Date, holdMinutes: number, now: Date): Date {
  const hold = createdAt.getTime() + holdMinutes * MINUTE_MS;
  const min = now.getTime() + STRIPE_MIN_EXPIRY_MS + MINUTE_MS;
  const max = now.getTime() + STRIPE_MAX_EXPIRY_MS - MINUTE_MS;
  const t = Math.min(Math.max(hold, min), max);
  return new Date(Math.ceil(t / MINUTE_MS) * MINUTE_MS);
}

/**
 * Creates (or hands out again) the Stripe Checkout Session that pays an appointment's fee.
 *
 * The patient of the appointment or staff/admins may call it; anyone else gets 404. 409
 * `payment_not_required` when the fee is 0, `already_paid` when money was taken, `invalid_transition`
 * unless the appointment is pending, `payment_processing` while a delayed payment is settling; 503
 * `payments_not_configured` when Stripe is not configured, 503 `payments_unavailable` (Retry-After)
 * when Stripe answers 5xx or times out, 502 `payment_provider_error` when Stripe refuses the request.
 *
 * The appointment row stays locked while Stripe is called, so concurrent clicks are served one after
 * the other: the second finds the first's open session and gets it back. The idempotency key
 * `checkout:<appointmentId>:<attempt>` covers the remaining gap (a crash after Stripe created the
 * session and before the commit): the next call reuses the attempt number and gets the same session.
 */
export async function createCheckout(
  actor: Actor,
  appointmentId: string,
  now = new Date(),
): Promise<CheckoutResult> {
  const stripe = stripeClient();
  const { config } = services();
  return withTransaction(async (trx) => {
    const appointment = await loadVisibleAppointment(trx, actor, appointmentId, { forUpdate: true });
    if (appointment.feeCents <= 0) {
      throw new ConflictError('payment_not_required', 'This appointment has no fee to pay.');
    }
    if ((CAPTURED_STATUSES as readonly string[]).includes(appointment.paymentStatus)) {
      throw new ConflictError('already_paid', 'This appointment has already been paid.');
    }
    if (appointment.status !== 'pending') {
      throw new ConflictError(
        'invalid_transition',
        `An appointment that is ${appointment.status} cannot be paid.`,
      );
    }

    const payments = (await trx('payments')
      .where({ appointmentId })
      .orderBy('attempt', 'desc')) as PaymentRow[];
    // A completed session that has not taken the money yet is a delayed payment method (SEPA debit,
    // …) still settling; a second checkout now could charge the patient twice.
    if (payments.some((p) => p.sessionStatus === 'complete' && p.status === 'unpaid')) {
      throw new ConflictError(
        'payment_processing',
        'A payment for this appointment is still being processed; wait for its outcome before paying again.',
      );
    }
    const latest = payments[0];
    if (
      latest &&
      latest.sessionStatus === 'open' &&
      latest.checkoutUrl &&
      latest.expiresAt.getTime() - now.getTime() > REUSE_MARGIN_MS
    ) {
      return { url: latest.checkoutUrl, sessionId: latest.stripeCheckoutSessionId };
    }
    const attempt = (latest?.attempt ?? 0) + 1;

    const parties = await trx('doctors as d')
      .join('users as du', 'du.id', 'd.id')
      .where('d.id', appointment.doctorId)
      .first('du.name as doctorName', 'd.timeZone as doctorTimeZone');
    const patient = await trx('patients as p')
      .leftJoin('users as pu', 'pu.id', 'p.userId')
      .where('p.id', appointment.patientId)
      .first(trx.raw('coalesce(p.email, pu.email) as email'));
    const when = DateTime.fromJSDate(appointment.startsAt, { zone: parties?.doctorTimeZone ?? 'UTC' })
      .setLocale('en-GB')
      .toFormat('d LLLL yyyy, HH:mm ZZZZ');
    const doctorName = String(parties?.doctorName ?? 'your doctor').replace(/^dr\.?\s+/i, '');
    const expiresAt = checkoutExpiry(appointment.createdAt, config.paymentHoldMinutes, now);
    const appointmentUrl = `${config.appUrl}/appointments/${appointment.id}`;

    let session: Stripe.Checkout.Session;
    try {
      session = await stripe.checkout.sessions.create(
        {
          mode: 'payment',
          line_items: [
            {
              quantity: 1,
              price_data: {
                currency: appointment.currency,
                unit_amount: appointment.feeCents,
                product_data: { name: `Appointment with Dr. ${doctorName} on ${when}` },
              },
            },
          ],
          client_reference_id: appointment.id,
          metadata: { appointment_id: appointment.id, attempt: String(attempt) },
          payment_intent_data: { metadata: { appointment_id: appointment.id } },
          customer_email: patient?.email ?? undefined,
          expires_at: Math.floor(expiresAt.getTime() / 1000),
          success_url: `${appointmentUrl}?payment=success&session_id={CHECKOUT_SESSION_ID}`,
          cancel_url: `${appointmentUrl}?payment=cancelled`,
        },
        { idempotencyKey: `checkout:${appointment.id}:${attempt}` },
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeIdempotencyError) {
        throw new ConflictError(
          'conflict',
          'A checkout for this appointment is being created; try again in a moment.',
        );
      }
      if (isStripeUnavailable(err)) {
        // Stripe failing or not answering (after the client's own two retries): nothing was stored,
        // and the next click sends the same idempotency key, so a session Stripe did create is reused.
        services().logger.warn(
          { err, appointmentId: appointment.id },
          'Stripe unavailable while creating a checkout session',
        );
        throw new PaymentsUnavailableError();
      }
      if (err instanceof Stripe.errors.StripeError) {
        services().logger.error(
          { err, appointmentId: appointment.id },
          'Stripe refused to create a checkout session',
        );
        throw new AppError(
          502,
          'payment_provider_error',
          'The payment provider could not start a checkout; try again later.',
        );
      }
      throw err;
    }
    if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a url`);

    await trx('payments')
      .insert({
        appointmentId: appointment.id,
        attempt,
        stripeCheckoutSessionId: session.id,
        checkoutUrl: session.url,
        amountCents: session.amount_total ?? appointment.feeCents,
        currency: (session.currency ?? appointment.currency).toLowerCase(),
        status: 'unpaid',
        sessionStatus: session.status ?? 'open',
        expiresAt: new Date((session.expires_at ?? expiresAt.getTime() / 1000) * 1000),
      })
      .onConflict('stripeCheckoutSessionId')
      .ignore();
    return { url: session.url, sessionId: session.id };
  });
}
