import type { TaskGroup } from '../../define-task.js';
import { processStripeEventTask } from './process_stripe_event.js';
import { reconcilePaymentsTask } from './reconcile_payments.js';
import { refundPaymentTask } from './refund_payment.js';

export const paymentsTasks: TaskGroup = {
  tasks: [processStripeEventTask, refundPaymentTask, reconcilePaymentsTask],
  // ?max=1: a run missed while the worker was down is not replayed several times over.
  crontab: ['*/15 * * * * reconcile_payments ?max=1'],
};
