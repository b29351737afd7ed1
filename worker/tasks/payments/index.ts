import type { TaskGroup } from '../../define-task.js';
import { processStripeEventTask } from './process_stripe_event.js';
import { reconcilePaymentsTask } from './reconcile_payments.js';
import { refundPaymentTask } from './refund_payment.js';

export const paymentsTasks: TaskGroup = {
  tasks: [processStripeEventTask, refundPaymentTask, reconcilePaymentsTask],
  // max=5: a run that failed because Stripe was down or timing out is retried with graphile-worker's
  // back-off (≈ 3, 7, 20, 55 s) instead of waiting 15 minutes (max=1 never retried it and left a dead
  // job behind each time). jobKey: one reconciliation queued at a time; the next tick replaces a run
  // still waiting for its retry. Missed ticks are not back-filled (no `fill`).
  crontab: ['*/15 * * * * reconcile_payments ?max=5&jobKey=reconcile_payments'],
};
