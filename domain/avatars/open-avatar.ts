import type { Readable } from 'node:stream';
import { db } from '../../db/knex.js';
import { NotFoundError } from '../../lib/errors.js';
import { storage, StorageNotFoundError } from '../../lib/storage.js';
import type { Actor } from '../auth/actor.js';

/**
 * Opens a user's current avatar (WebP). Anyone signed in sees their own and the care team's
 * (non-patient accounts') avatars; a patient's avatar is visible to the clinic's staff roles and
 * not to other patients (404, like a missing one).
 */
export async function openAvatar(actor: Actor, userId: string): Promise<Readable> {
  const row = (await db()({ u: 'users' })
    .join({ a: 'userAvatars' }, 'a.userId', 'u.id')
    .where('u.id', userId)
    .whereNot('u.status', 'removed')
    .whereNotNull('a.currentKey')
    .first('u.role', 'a.currentKey')) as { role: string; currentKey: string } | undefined;
  if (!row) throw new NotFoundError('avatar');
  if (actor.role === 'patient' && row.role === 'patient' && userId !== actor.userId)
    throw new NotFoundError('avatar');
  try {
    return await storage().get(row.currentKey);
  } catch (err) {
    if (err instanceof StorageNotFoundError) throw new NotFoundError('avatar');
    throw err;
  }
}
