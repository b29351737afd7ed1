import { notifyUnreadMessage as notify } from '../../../domain/messaging/notify-unread.js';
import { StrictObject, Uuid, type Static } from '../../../lib/schema.js';
import { defineTask } from '../../define-task.js';

export const NotifyUnreadMessagePayload = StrictObject({ conversationId: Uuid, userId: Uuid });

declare global {
  namespace GraphileWorker {
    interface Tasks {
      notify_unread_message: Static<typeof NotifyUnreadMessagePayload>;
    }
  }
}

/**
 * Emails a participant whose messages stayed unread for MESSAGE_EMAIL_DELAY_MINUTES (once per
 * unread stretch; the domain function re-reads everything and decides).
 */
export const notifyUnreadMessage = defineTask(
  'notify_unread_message',
  NotifyUnreadMessagePayload,
  async ({ conversationId, userId }) => {
    await notify(conversationId, userId);
  },
);
