import { db } from '../../db/knex.js';
import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';

/**
 * Starts a password reset: voids any earlier OTP of the account and queues the task that makes,
 * stores (hashed) and emails a new one. Does the same visible nothing for unknown, removed or
 * suspended accounts, so the caller cannot tell whether the email exists.
 */
export async function requestPasswordReset(email: string): Promise<void> {
  const user = await db()('users').whereRaw('lower(email) = lower(?)', [email]).first('id', 'status');
  if (!user || user.status === 'removed' || user.status === 'suspended') return;
  await withTransaction(async (trx) => {
    // Serialises concurrent requests of one account, so the one-live-OTP index never trips.
    await trx('users').where({ id: user.id }).forUpdate().first('id');
    await trx('passwordResets')
      .where({ userId: user.id })
      .whereNull('usedAt')
      .whereNull('voidedAt')
      .update({ voidedAt: trx.fn.now() });
    const [reset] = await trx('passwordResets').insert({ userId: user.id }).returning('id');
    await addJob(trx, 'send_password_reset_otp', { resetId: reset.id as string });
  });
}
