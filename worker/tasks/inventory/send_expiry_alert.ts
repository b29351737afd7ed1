import { sendExpiryAlert } from '../../../domain/inventory/check-expiry.js';
import { defineTask } from '../../define-task.js';

/** Emails and notifies every inventory manager about one batch of lots expiring soon. */
export const sendExpiryAlertTask = defineTask(
  'send_expiry_alert',
  {
    type: 'object',
    required: ['batchId'],
    properties: { batchId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ batchId }) => {
    await sendExpiryAlert(batchId);
  },
);
