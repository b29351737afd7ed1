import type { Knex } from 'knex';
import { addJob } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import { storage } from '../../lib/storage.js';

/** Queues the removal of a stored object on the caller's transaction (keyed: queuing twice is one job). */
export async function queueObjectDeletion(trx: Knex | Knex.Transaction, key: string): Promise<void> {
  await addJob(trx, 'delete_stored_object', { key }, { jobKey: `delete_stored_object:${key}` });
}

/**
 * Removes an object that nothing refers to any more (an upload whose row was rolled back).
 * If the store refuses now, a job retries later, so no orphan is left behind.
 */
export async function discardUnreferencedObject(key: string): Promise<void> {
  await storage()
    .delete(key)
    .catch(() => queueObjectDeletion(db(), key));
}
