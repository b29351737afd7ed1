import { sendExpiryAlert } from '../../../domain/inventory/check-expiry.js';
import { StrictObject, Uuid, type Static } from '../../../lib/schema.js';
import { defineTask } from '../../define-task.js';

/** One batch of lots announced by the daily expiry check (rows of `inventory_expiry_alerts`). */
export const SendExpiryAlertPayload = StrictObject({ batchId: Uuid });

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_expiry_alert: Static<typeof SendExpiryAlertPayload>;
    }
  }
}

/** Emails and notifies every inventory manager about one batch of lots expiring soon. */
export const sendExpiryAlertTask = defineTask(
  'send_expiry_alert',
  SendExpiryAlertPayload,
  async ({ batchId }) => {
    await sendExpiryAlert(batchId);
  },
);
