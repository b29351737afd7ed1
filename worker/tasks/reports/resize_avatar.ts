import { resizeAvatar } from '../../../domain/avatars/resize-avatar.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';
import { Type, type Static, Uuid } from '../../../lib/schema.js';

export const ResizeAvatarPayload = Type.Object({
  userId: Uuid,
  key: Type.String({ minLength: 1, maxLength: 512 }),
});
export type ResizeAvatarPayload = Static<typeof ResizeAvatarPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      resize_avatar: Static<typeof ResizeAvatarPayload>;
    }
  }
}

/** Turns a user's uploaded picture into their 256 × 256 avatar; superseded uploads are dropped. */
export const resizeAvatarTask = defineTask(
  'resize_avatar',
  ResizeAvatarPayload,
  async ({ userId, key }, helpers) => {
    const outcome = await resizeAvatar(userId, key);
    services().logger.info(
      { task: 'resize_avatar', jobId: helpers.job.id, userId, outcome },
      'avatar resized',
    );
  },
);
