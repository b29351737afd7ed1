import { reconcilePayments } from '../../../domain/payments/reconcile-payments.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    reconcile_payments: Record<string, never>;
  }
}

/** Cron (every 15 minutes): repairs payments whose webhooks never arrived. Does nothing while Stripe is not configured. */
export const reconcilePaymentsTask = defineTask('reconcile_payments', { type: 'object' }, async () => {
  if (!services().config.stripe.secretKey) return;
  await reconcilePayments();
});
