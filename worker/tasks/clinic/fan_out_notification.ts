import { fanOutBroadcast } from '../../../domain/notifications/fan-out-broadcast.js';
import { defineTask } from '../../define-task.js';

/** Turns an admin's broadcast into one notification (and optional email) per recipient, in batches. */
export const fanOutNotification = defineTask(
  'fan_out_notification',
  {
    type: 'object',
    required: ['broadcastId'],
    properties: { broadcastId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ broadcastId }, helpers) => {
    const n = await fanOutBroadcast(broadcastId);
    helpers.logger.debug(`broadcast ${broadcastId}: ${n} recipients`);
  },
);
