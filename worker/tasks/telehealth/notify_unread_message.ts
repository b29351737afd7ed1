import { notifyUnreadMessage as notify } from '../../../domain/messaging/notify-unread.js';
import { defineTask } from '../../define-task.js';

/** Emails a participant whose messages stayed unread for MESSAGE_EMAIL_DELAY_MINUTES (once per unread stretch). */
export const notifyUnreadMessage = defineTask(
  'notify_unread_message',
  {
    type: 'object',
    required: ['conversationId', 'userId'],
    properties: {
      conversationId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
      userId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
    },
  },
  async ({ conversationId, userId }) => {
    await notify(conversationId, userId);
  },
);
