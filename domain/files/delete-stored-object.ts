import type { Knex } from 'knex';
import { addJob } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { storage } from '../../lib/storage.js';

/** Queues the removal of a stored object on the caller's transaction (keyed: queuing twice is one job). */
export async function queueObjectDeletion(trx: Knex | Knex.Transaction, key: string): Promise<void> {
  await addJob(trx, 'delete_stored_object', { key }, { jobKey: `delete_stored_object:${key}` });
}

/**
 * Removes an object that nothing refers to (an upload whose row was never committed, or whose
 * `put` failed after the store may have kept the bytes). If the store refuses now (S3 away), a
 * job retries later with backoff, so no orphan is left behind. Never throws: it runs on an error
 * path, and the request's own error is what the client must see. Only when the store and the
 * database are both away is the object left, and its key logged for an operator.
 */
export async function discardUnreferencedObject(key: string): Promise<void> {
  try {
    await storage().delete(key);
  } catch {
    try {
      await queueObjectDeletion(db(), key);
    } catch (err) {
      services().logger.error(
        { key, err: (err as Error).message },
        'unreferenced upload left in storage: neither removed nor queued for removal',
      );
    }
  }
}
