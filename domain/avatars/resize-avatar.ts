import { randomUUID } from 'node:crypto';
import { queueObjectDeletion } from '../files/delete-stored-object.js';
import { Readable } from 'node:stream';
import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';
import { openImage, withImageSlot } from '../../lib/images.js';
import { services } from '../../lib/services.js';
import { storage, StorageNotFoundError } from '../../lib/storage.js';
import { readObject } from '../reports/make-report-thumbnail.js';
import { AVATAR_SIZE, avatarMaxBytes, type UserAvatarRow } from './avatar.js';

/** URL of a user's current avatar, served by `GET /users/:id/avatar`; `v` changes with every picture. */
export const avatarUrl = (userId: string, version: string) =>
  `${services().config.appUrl}/api/v1/users/${userId}/avatar?v=${version}`;

/**
 * Makes the uploaded picture under `key` the user's avatar: a 256 × 256 WebP, cropped to cover,
 * stored as `avatars/<userId>/<uuid>.webp`, with `users.avatar_url` pointing at it. The upload and
 * the previous avatar are removed. Idempotent: when `key` is no longer the user's pending upload
 * (superseded, or already done) it only makes sure that upload is gone. An undecodable picture is
 * recorded as failed and does not throw.
 */
export async function resizeAvatar(userId: string, key: string): Promise<'ready' | 'failed' | 'skipped'> {
  const row = (await db()('userAvatars').where({ userId }).first()) as UserAvatarRow | undefined;
  if (!row || row.pendingKey !== key) {
    await storage().delete(key);
    return 'skipped';
  }
  let original: Buffer;
  try {
    original = await readObject(key, avatarMaxBytes(services().config.uploadMaxBytes));
  } catch (err) {
    if (err instanceof StorageNotFoundError)
      return recordFailure(userId, key, 'The uploaded picture is missing from storage.');
    throw err;
  }
  let picture: Buffer;
  try {
    picture = await withImageSlot(() =>
      openImage(original)
        .autoOrient()
        .resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover', position: 'attention' })
        .webp({ quality: 82 })
        .toBuffer(),
    );
  } catch (err) {
    // Retrying cannot make undecodable bytes decodable: record it instead of failing the job.
    return recordFailure(userId, key, `The picture could not be decoded: ${(err as Error).message}`);
  }
  const version = randomUUID();
  const finalKey = `avatars/${userId}/${version}.webp`;
  await storage().put(finalKey, Readable.from([picture]), {
    contentType: 'image/webp',
    contentLength: picture.length,
  });
  const done = await withTransaction(async (trx) => {
    const current = (await trx('userAvatars').where({ userId }).forUpdate().first()) as
      UserAvatarRow | undefined;
    if (!current || current.pendingKey !== key) return false;
    await trx('userAvatars').where({ userId }).update({
      status: 'ready',
      pendingKey: null,
      currentKey: finalKey,
      error: null,
      updatedAt: trx.fn.now(),
    });
    await trx('users')
      .where({ id: userId })
      .update({ avatarUrl: avatarUrl(userId, version.slice(0, 8)), updatedAt: trx.fn.now() });
    for (const old of [key, current.currentKey]) {
      if (old) await queueObjectDeletion(trx, old);
    }
    return true;
  });
  if (!done) await storage().delete(finalKey);
  return done ? 'ready' : 'skipped';
}

async function recordFailure(userId: string, key: string, reason: string): Promise<'failed' | 'skipped'> {
  return withTransaction(async (trx) => {
    const n = await trx('userAvatars')
      .where({ userId, pendingKey: key })
      .update({ status: 'failed', pendingKey: null, error: reason.slice(0, 500), updatedAt: trx.fn.now() });
    if (!n) return 'skipped';
    await queueObjectDeletion(trx, key);
    return 'failed';
  });
}
