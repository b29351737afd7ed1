import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { AppError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import { consumeRateLimit } from '../auth/rate-limits.js';

const HOUR = 3600;

/**
 * Counts one upload (report or avatar) by the caller and refuses it with 429 `rate_limited` past
 * UPLOAD_RATE_LIMIT_PER_HOUR in the current hour. Called before a byte of the body is read, and
 * counted in PostgreSQL, so the limit holds across web processes.
 */
export async function takeUploadSlot(actor: Actor): Promise<void> {
  await consumeRateLimit(
    `upload:${actor.userId}`,
    services().config.uploadRateLimitPerHour,
    HOUR,
    'Too many uploads from this account; try again later.',
  );
}

const quotaBytes = () => services().config.uploadQuotaMb * 1024 * 1024;

const quotaExceeded = () =>
  new AppError(
    413,
    'quota_exceeded',
    `This patient's stored reports would exceed the quota of ${services().config.uploadQuotaMb} MB.`,
  );

/** Bytes of the patient's reports that are not deleted. */
async function storedBytes(patientId: string, knex: Knex | Knex.Transaction): Promise<number> {
  const row = (await knex('reports')
    .where({ patientId })
    .whereNull('deletedAt')
    .sum({ total: 'size' })
    .first()) as { total: string | number | null } | undefined;
  return Number(row?.total ?? 0);
}

/** Refuses early (413 `quota_exceeded`), before the body is read, when the patient's quota is full. */
export async function assertQuotaRoom(patientId: string): Promise<void> {
  if ((await storedBytes(patientId, db())) >= quotaBytes()) throw quotaExceeded();
}

/**
 * Inside the transaction that records a new report of `size` bytes: locks the patient row, so
 * concurrent uploads of one patient are counted one after the other, and throws 413
 * `quota_exceeded` when the report would take the patient past UPLOAD_QUOTA_MB.
 */
export async function reserveQuota(trx: Knex.Transaction, patientId: string, size: number): Promise<void> {
  await trx('patients').where({ id: patientId }).forUpdate().first('id');
  if ((await storedBytes(patientId, trx)) + size > quotaBytes()) throw quotaExceeded();
}
