import type { TaskGroup } from '../../define-task.js';
import { checkInventoryExpiryTask } from './check_inventory_expiry.js';
import { sendExpiryAlertTask } from './send_expiry_alert.js';
import { sendLowStockAlertTask } from './send_low_stock_alert.js';

/** Inventory: low-stock alerts (queued by movements) and the daily expiry check (UTC 00:20; backfills a missed day). */
export const inventoryTasks: TaskGroup = {
  tasks: [sendLowStockAlertTask, sendExpiryAlertTask, checkInventoryExpiryTask],
  crontab: ['20 0 * * * check_inventory_expiry ?max=1&fill=1d'],
};
