import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { BadRequestError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { Stripe, stripeWebhookSecret } from '../../lib/stripe.js';
import { Type, type Static } from '../../lib/schema.js';

export const ProcessStripeEventPayload = Type.Object({
  eventId: Type.String({ minLength: 1, maxLength: 255 }),
});
export type ProcessStripeEventPayload = Static<typeof ProcessStripeEventPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      process_stripe_event: Static<typeof ProcessStripeEventPayload>;
    }
  }
}

/** Event types whose processing job derives payment state; everything else is recorded and ignored. */
export const HANDLED_EVENT_TYPES: ReadonlySet<string> = new Set([
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'checkout.session.async_payment_failed',
  'checkout.session.expired',
  'charge.refunded',
  'charge.refund.updated',
  'refund.created',
  'refund.updated',
  'refund.failed',
]);

export const processEventJobKey = (eventId: string): string => `process_stripe_event:${eventId}`;

/**
 * Verifies a webhook delivery and stores it, queueing its processing job in the same transaction.
 *
 * The signature is checked over the raw bytes with STRIPE_WEBHOOK_SECRET and Stripe's default
 * 5-minute tolerance; a bad, stale or missing signature is 400 `invalid_signature` and nothing is
 * stored. The event id is the primary key, so a repeated delivery is acknowledged as a duplicate and
 * queues nothing. Unhandled types are stored as processed with outcome `ignored`.
 */
export async function recordStripeEvent(
  raw: Buffer,
  signature: string | undefined,
): Promise<{ eventId: string; duplicate: boolean; handled: boolean }> {
  const secret = stripeWebhookSecret();
  if (!signature) throw new BadRequestError('invalid_signature', 'The Stripe-Signature header is missing.');
  let event: Stripe.Event;
  try {
    event = Stripe.webhooks.constructEvent(raw, signature, secret);
  } catch (err) {
    if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
      throw new BadRequestError('invalid_signature', 'The Stripe signature is invalid or too old.');
    }
    // A correctly signed body that is not JSON cannot come from Stripe; still a client error.
    throw new BadRequestError('invalid_payload', 'The webhook body is not a Stripe event.');
  }
  if (typeof event?.id !== 'string' || typeof event.type !== 'string') {
    throw new BadRequestError('invalid_payload', 'The webhook body is not a Stripe event.');
  }
  const handled = HANDLED_EVENT_TYPES.has(event.type);
  const inserted = await withTransaction(async (trx) => {
    const rows = await trx('stripeEvents')
      .insert({
        id: event.id,
        type: event.type,
        livemode: Boolean(event.livemode),
        payload: JSON.stringify(event),
        stripeCreatedAt: typeof event.created === 'number' ? new Date(event.created * 1000) : null,
        ...(handled ? {} : { processedAt: trx.fn.now(), outcome: 'ignored' }),
      })
      .onConflict('id')
      .ignore()
      .returning('id');
    if (rows.length === 0) return false;
    if (handled) {
      await addJob(
        trx,
        'process_stripe_event',
        { eventId: event.id },
        { jobKey: processEventJobKey(event.id), maxAttempts: 25 },
      );
    }
    return true;
  });
  services().logger.info(
    { eventId: event.id, type: event.type, duplicate: !inserted, handled },
    'stripe webhook received',
  );
  return { eventId: event.id, duplicate: !inserted, handled };
}
