import { db } from '../../db/knex.js';
import { stripeClient } from '../../lib/stripe.js';
import { syncCheckoutSession } from './sync-payment.js';

interface StoredEvent {
  id: string;
  type: string;
  payload: { data?: { object?: Record<string, unknown> } };
  processedAt: Date | null;
}

const idOf = (v: unknown): string | null =>
  typeof v === 'string'
    ? v
    : v && typeof v === 'object' && typeof (v as { id?: unknown }).id === 'string'
      ? (v as { id: string }).id
      : null;

/** The Checkout Session a refund or charge event is about, via our row or Stripe's session list. */
async function sessionOfPaymentIntent(paymentIntentId: string): Promise<string | null> {
  const row = await db()('payments')
    .where({ stripePaymentIntentId: paymentIntentId })
    .first('stripeCheckoutSessionId');
  if (row) return row.stripeCheckoutSessionId as string;
  const list = await stripeClient().checkout.sessions.list({ payment_intent: paymentIntentId, limit: 1 });
  return list.data[0]?.id ?? null;
}

/**
 * Processes one stored Stripe event: finds the Checkout Session it concerns and re-derives that
 * payment from Stripe's current objects (never from the event body, which may be stale or out of
 * order). Records the outcome on the event row; an event already processed is a no-op, and a
 * failure is recorded and rethrown so the job retries.
 */
export async function processStripeEvent(eventId: string): Promise<void> {
  const knex = db();
  const event = (await knex('stripeEvents').where({ id: eventId }).first()) as StoredEvent | undefined;
  if (!event || event.processedAt) return;
  const object = event.payload?.data?.object ?? {};
  try {
    let sessionId: string | null = null;
    if (event.type.startsWith('checkout.session.')) {
      sessionId = idOf(object.id);
    } else {
      const pi = idOf(object.payment_intent);
      if (pi) sessionId = await sessionOfPaymentIntent(pi);
    }
    const hint = (object.metadata as Record<string, unknown> | undefined)?.appointment_id;
    const result = sessionId
      ? await syncCheckoutSession(sessionId, {
          appointmentIdHint: typeof hint === 'string' ? hint : undefined,
        })
      : null;
    const outcome = !result
      ? 'not_ours'
      : result.changes.length
        ? `applied: ${result.changes.join('; ')}`
        : 'no_change';
    await knex('stripeEvents')
      .where({ id: eventId })
      .update({ processedAt: knex.fn.now(), outcome, error: null });
  } catch (err) {
    await knex('stripeEvents')
      .where({ id: eventId })
      .update({ error: String((err as Error)?.message ?? err).slice(0, 2000) });
    throw err;
  }
}
