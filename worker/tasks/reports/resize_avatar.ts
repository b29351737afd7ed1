import { resizeAvatar } from '../../../domain/avatars/resize-avatar.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

declare module '../../../db/jobs.js' {
  interface TaskPayloads {
    resize_avatar: { userId: string; key: string };
  }
}

/** Turns a user's uploaded picture into their 256 × 256 avatar; superseded uploads are dropped. */
export const resizeAvatarTask = defineTask(
  'resize_avatar',
  {
    type: 'object',
    required: ['userId', 'key'],
    properties: {
      userId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' },
      key: { type: 'string', minLength: 1, maxLength: 512 },
    },
  },
  async ({ userId, key }, helpers) => {
    const outcome = await resizeAvatar(userId, key);
    services().logger.info(
      { task: 'resize_avatar', jobId: helpers.job.id, userId, outcome },
      'avatar resized',
    );
  },
);
