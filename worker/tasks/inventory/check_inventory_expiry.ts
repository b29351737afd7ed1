import { checkInventoryExpiry } from '../../../domain/inventory/check-expiry.js';
import { type Static } from '../../../lib/schema.js';
import { CronPayload, defineTask } from '../../define-task.js';

declare global {
  namespace GraphileWorker {
    interface Tasks {
      check_inventory_expiry: Static<typeof CronPayload>;
    }
  }
}

/** Cron (daily): announces lots expiring soon (once per lot) and books `expire` movements for expired ones. */
export const checkInventoryExpiryTask = defineTask(
  'check_inventory_expiry',
  CronPayload,
  async (_payload, helpers) => {
    const { announced, expired } = await checkInventoryExpiry();
    helpers.logger.debug(`inventory expiry: ${announced} lots announced, ${expired} lots expired`);
  },
);
