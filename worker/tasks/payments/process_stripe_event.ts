import { processStripeEvent } from '../../../domain/payments/process-stripe-event.js';
import { defineTask } from '../../define-task.js';

/** Applies one stored Stripe webhook event by re-deriving its payment from Stripe; a processed event is a no-op. */
export const processStripeEventTask = defineTask(
  'process_stripe_event',
  {
    type: 'object',
    required: ['eventId'],
    properties: { eventId: { type: 'string', minLength: 1, maxLength: 255 } },
  },
  async ({ eventId }) => {
    await processStripeEvent(eventId);
  },
);
