import { randomUUID } from 'node:crypto';
import { commitUpload, IMAGE_JOB_ATTEMPTS } from '../files/commit-upload.js';
import { discardUnreferencedObject, queueObjectDeletion } from '../files/delete-stored-object.js';
import { takeUploadSlot } from '../files/upload-limits.js';
import type { IncomingMessage } from 'node:http';
import { addJob } from '../../db/jobs.js';
import { services } from '../../lib/services.js';
import { storage } from '../../lib/storage.js';
import { receiveUpload } from '../../lib/storage/receive-upload.js';
import type { Actor } from '../auth/actor.js';
import { AVATAR_TYPES, avatarMaxBytes, type UserAvatarRow } from './avatar.js';

/**
 * Accepts the caller's new profile picture (multipart `image`: PNG, JPEG or WebP by content) and
 * queues the job that makes it their avatar. A newer upload supersedes one still pending: the job
 * key is per user, and the superseded original is queued for removal. Stored first, recorded second
 * (domain/files/commit-upload.ts); object storage away → 503 `storage_unavailable`, nothing kept.
 */
export async function uploadAvatar(
  actor: Actor,
  body: IncomingMessage,
): Promise<{ avatarStatus: 'pending' }> {
  await takeUploadSlot(actor);
  const { file } = await receiveUpload(body, {
    fileField: 'image',
    maxBytes: avatarMaxBytes(services().config.uploadMaxBytes),
    types: AVATAR_TYPES,
    fields: [],
    storage: storage(),
    keyFor: () => `avatars/${actor.userId}/incoming-${randomUUID()}`,
    discard: discardUnreferencedObject,
  });
  await commitUpload(file.key, async (trx) => {
    const previous = (await trx('userAvatars').where({ userId: actor.userId }).forUpdate().first()) as
      UserAvatarRow | undefined;
    if (previous?.pendingKey) {
      await queueObjectDeletion(trx, previous.pendingKey);
    }
    await trx('userAvatars')
      .insert({
        userId: actor.userId,
        status: 'pending',
        pendingKey: file.key,
        error: null,
        updatedAt: trx.fn.now(),
      })
      .onConflict('userId')
      .merge(['status', 'pendingKey', 'error', 'updatedAt']);
    await addJob(
      trx,
      'resize_avatar',
      { userId: actor.userId, key: file.key },
      { jobKey: `resize_avatar:${actor.userId}`, maxAttempts: IMAGE_JOB_ATTEMPTS },
    );
  });
  return { avatarStatus: 'pending' };
}
