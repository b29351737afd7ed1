import { sendLowStockAlert } from '../../../domain/inventory/send-low-stock-alert.js';
import { defineTask } from '../../define-task.js';

/** Emails and notifies every inventory manager about one low-stock crossing of an item. */
export const sendLowStockAlertTask = defineTask(
  'send_low_stock_alert',
  {
    type: 'object',
    required: ['itemId', 'crossing'],
    properties: {
      itemId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
      crossing: { type: 'integer', minimum: 1 },
    },
  },
  async ({ itemId, crossing }) => {
    await sendLowStockAlert(itemId, crossing);
  },
);
