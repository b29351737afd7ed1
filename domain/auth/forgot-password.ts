import { db } from '../../db/knex.js';
import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { queueEmailRequest } from './email-requests.js';

/**
 * Starts a password reset for whatever address was typed: queues `start_password_reset` and
 * nothing else, so known and unknown addresses cost the same (see {@link queueEmailRequest}).
 */
export async function requestPasswordReset(email: string): Promise<void> {
  await queueEmailRequest('start_password_reset', email);
}

/**
 * The job's half of a reset request: for an active or pending account, voids any earlier OTP and
 * queues `send_password_reset_otp` for a new reset row; for any other address, nothing.
 * Safe to run twice: a live reset created at or after `requestedAt` means this request was
 * already handled.
 */
export async function startPasswordReset(email: string, requestedAt: Date): Promise<'started' | 'skipped'> {
  const user = await db()('users').whereRaw('lower(email) = lower(?)', [email]).first('id', 'status');
  if (!user || user.status === 'removed' || user.status === 'suspended') return 'skipped';
  return withTransaction(async (trx) => {
    // Serialises concurrent requests of one account, so the one-live-OTP index never trips.
    await trx('users').where({ id: user.id }).forUpdate().first('id');
    const live = trx('passwordResets').where({ userId: user.id }).whereNull('usedAt').whereNull('voidedAt');
    if (await live.clone().where('createdAt', '>=', requestedAt).first('id')) return 'skipped';
    await live.clone().update({ voidedAt: trx.fn.now() });
    const [reset] = await trx('passwordResets').insert({ userId: user.id }).returning('id');
    await addJob(trx, 'send_password_reset_otp', { resetId: reset.id as string });
    return 'started';
  });
}
