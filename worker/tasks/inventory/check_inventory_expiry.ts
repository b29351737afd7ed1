import { checkInventoryExpiry } from '../../../domain/inventory/check-expiry.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    check_inventory_expiry: {};
  }
}

/** Cron (daily): announces lots expiring soon (once per lot) and books `expire` movements for expired ones. */
export const checkInventoryExpiryTask = defineTask(
  'check_inventory_expiry',
  { type: 'object' },
  async (_p, helpers) => {
    const { announced, expired } = await checkInventoryExpiry();
    helpers.logger.debug(`inventory expiry: ${announced} lots announced, ${expired} lots expired`);
  },
);
