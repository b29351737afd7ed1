import type { Knex } from 'knex';
import { db } from './knex.js';

export type Trx = Knex.Transaction;

/**
 * Runs `fn` in a transaction: the rows it writes and the jobs it queues commit together or not at all.
 * Pass an outer transaction to join it instead of opening a new one.
 */
export async function withTransaction<T>(fn: (trx: Trx) => Promise<T>, outer?: Trx): Promise<T> {
  if (outer) return fn(outer);
  return db().transaction(fn);
}
