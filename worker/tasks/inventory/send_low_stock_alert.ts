import { sendLowStockAlert } from '../../../domain/inventory/send-low-stock-alert.js';
import { StrictObject, Type, Uuid, type Static } from '../../../lib/schema.js';
import { defineTask } from '../../define-task.js';

/** One crossing of an item's reorder level (`crossing` = the item's crossing counter after it). */
export const SendLowStockAlertPayload = StrictObject({
  itemId: Uuid,
  crossing: Type.Integer({ minimum: 1 }),
});

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_low_stock_alert: Static<typeof SendLowStockAlertPayload>;
    }
  }
}

/** Emails and notifies every inventory manager about one low-stock crossing of an item. */
export const sendLowStockAlertTask = defineTask(
  'send_low_stock_alert',
  SendLowStockAlertPayload,
  async ({ itemId, crossing }) => {
    await sendLowStockAlert(itemId, crossing);
  },
);
