import { processStripeEvent } from '../../../domain/payments/process-stripe-event.js';
import { defineTask } from '../../define-task.js';
import { ProcessStripeEventPayload } from '../../../domain/payments/record-stripe-event.js';

/** Applies one stored Stripe webhook event by re-deriving its payment from Stripe; a processed event is a no-op. */
export const processStripeEventTask = defineTask(
  'process_stripe_event',
  ProcessStripeEventPayload,
  async ({ eventId }) => {
    await processStripeEvent(eventId);
  },
);
