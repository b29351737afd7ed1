import { withTransaction, type Trx } from '../../db/transaction.js';
import { isDatabaseUnavailable } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { discardUnreferencedObject } from './delete-stored-object.js';

/**
 * Attempts of a job that reads an upload from storage and writes an image back (report thumbnails,
 * avatars). graphile-worker waits e^attempt seconds between attempts (2.7 s, 7.4 s, 20 s … 2.2 h),
 * so 10 attempts ride out a storage outage of about 3.5 hours. An undecodable image does not use
 * them up: it is recorded as failed at once, since retrying cannot fix it.
 */
export const IMAGE_JOB_ATTEMPTS = 10;

/**
 * Records an object that is already stored (`key`): runs `fn` (the row, its jobs, its audit entry)
 * in one transaction. An upload is stored first and recorded second, so a committed row always has
 * its object; if the transaction fails, the object is removed again (or its removal queued), so a
 * failed upload leaves no orphan either.
 *
 * One case keeps the object: the connection died during COMMIT, when the row may or may not exist.
 * A row whose file is gone would be a broken report, an orphan object only costs bytes, so the key
 * is logged instead.
 */
export async function commitUpload<T>(key: string, fn: (trx: Trx) => Promise<T>): Promise<T> {
  let committing = false;
  try {
    return await withTransaction(async (trx) => {
      const result = await fn(trx);
      committing = true;
      return result;
    });
  } catch (err) {
    if (committing && isDatabaseUnavailable(err)) {
      services().logger.warn(
        { key, err: (err as Error).message },
        'upload kept in storage: the database went away during commit, its row may exist',
      );
    } else {
      await discardUnreferencedObject(key);
    }
    throw err;
  }
}
