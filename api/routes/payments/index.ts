import getRawBody from 'raw-body';
import { createCheckout } from '../../../domain/payments/create-checkout.js';
import { getAppointmentPayment, listPayments } from '../../../domain/payments/read-payments.js';
import { recordStripeEvent } from '../../../domain/payments/record-stripe-event.js';
import { assertPaymentsConfigured } from '../../../lib/stripe.js';
import { errorSpec } from '../../../lib/errors.js';
import { EmptyBody, IdParams, ListOf } from '../../../lib/schema.js';
import { defineRoutes, documented, route } from '../../route.js';
import { presentAppointmentPayment, presentPayment } from './present.js';
import { AppointmentPayment, Checkout, Payment, WebhookAck } from './schemas.js';
import { ListPaymentsQuery } from '../../../domain/payments/schemas.js';

/** Answers 503 before anything else while payments are off. */
const requirePayments = documented(
  async (_ctx, next) => {
    assertPaymentsConfigured();
    await next();
  },
  [errorSpec(503, 'payments_not_configured', 'STRIPE_SECRET_KEY is not set: payments are off')],
);

/** Stripe's own payloads stay far below this; anything larger is not a Stripe event. */
const WEBHOOK_BODY_LIMIT = '1mb';

export const paymentsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/appointments/:id/checkout',
    errors: [
      errorSpec(409, 'already_paid', 'The appointment is paid already'),
      errorSpec(409, 'invalid_transition', 'Not allowed from the current status'),
      errorSpec(409, 'payment_not_required', 'The doctor charges no fee'),
      errorSpec(409, 'payment_processing', 'A payment is being processed'),
      errorSpec(502, 'payment_provider_error', 'Stripe refused to create the Checkout Session'),
      errorSpec(503, 'payments_not_configured', 'STRIPE_SECRET_KEY is not set: payments are off'),
      errorSpec(
        503,
        'payments_unavailable',
        'Stripe is failing or not answering; retry after Retry-After seconds (the same session is handed out)',
      ),
    ],
    operationId: 'createCheckout',
    summary:
      'Start (or resume) the Stripe Checkout that pays an appointment; returns the page to redirect to',
    tags: ['payments'],
    access: ['patient', 'staff', 'admin'],
    params: IdParams,
    body: EmptyBody,
    response: Checkout,
    handler: async (ctx) => createCheckout(ctx.state.actor, ctx.state.params.id),
  }),
  route({
    method: 'GET',
    path: '/appointments/:id/payment',
    operationId: 'getAppointmentPayment',
    summary: "An appointment's payment state, checkout attempts and refunds",
    tags: ['payments'],
    access: ['patient', 'doctor', 'billing-manager', 'admin'],
    params: IdParams,
    response: AppointmentPayment,
    before: [requirePayments],
    handler: async (ctx) =>
      presentAppointmentPayment(await getAppointmentPayment(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'GET',
    path: '/payments',
    operationId: 'listPayments',
    summary: 'Payments, newest first (filters: status, appointmentId, from, to)',
    tags: ['payments'],
    access: ['admin', 'billing-manager'],
    query: ListPaymentsQuery,
    response: ListOf(Payment),
    before: [requirePayments],
    handler: async (ctx) => {
      const page = await listPayments(ctx.state.query);
      return { items: page.items.map(presentPayment), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'POST',
    path: '/webhooks/stripe',
    errors: [
      errorSpec(400, 'invalid_signature', 'The Stripe-Signature header is missing, invalid or too old'),
      errorSpec(413, 'payload_too_large', 'The upload is larger than allowed'),
    ],
    operationId: 'receiveStripeWebhook',
    summary:
      'Stripe webhook endpoint: verifies the signature over the raw body, stores the event, queues its processing',
    tags: ['payments'],
    access: 'public',
    bodyType: 'none',
    requestContent: {
      'application/json': {
        schema: { type: 'object', description: 'A Stripe event, signed in the Stripe-Signature header.' },
      },
    },
    response: WebhookAck,
    handler: async (ctx) => {
      // The signature covers the exact bytes Stripe sent, so the body is read raw, never parsed first.
      const raw = await getRawBody(ctx.req, { limit: WEBHOOK_BODY_LIMIT });
      const result = await recordStripeEvent(raw, ctx.get('Stripe-Signature') || undefined);
      return { received: true, duplicate: result.duplicate };
    },
  }),
]);
