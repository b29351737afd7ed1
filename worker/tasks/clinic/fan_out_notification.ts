import { fanOutBroadcast } from '../../../domain/notifications/fan-out-broadcast.js';
import { defineTask } from '../../define-task.js';
import { FanOutNotificationPayload } from '../../../domain/notifications/fan-out-broadcast.js';

/** Turns an admin's broadcast into one notification (and optional email) per recipient, in batches. */
export const fanOutNotificationTask = defineTask(
  'fan_out_notification',
  FanOutNotificationPayload,
  async ({ broadcastId }, helpers) => {
    const n = await fanOutBroadcast(broadcastId);
    helpers.logger.debug(`broadcast ${broadcastId}: ${n} recipients`);
  },
);
