import { reconcilePayments } from '../../../domain/payments/reconcile-payments.js';
import { services } from '../../../lib/services.js';
import { CronPayload, defineTask } from '../../define-task.js';
import { type Static } from '../../../lib/schema.js';

declare global {
  namespace GraphileWorker {
    interface Tasks {
      reconcile_payments: Static<typeof CronPayload>;
    }
  }
}

/** Cron (every 15 minutes): repairs payments whose webhooks never arrived. Does nothing while Stripe is not configured. */
export const reconcilePaymentsTask = defineTask('reconcile_payments', CronPayload, async () => {
  if (!services().config.stripe.secretKey) return;
  await reconcilePayments();
});
