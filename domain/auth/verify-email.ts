import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';
import { BadRequestError } from '../../lib/errors.js';
import { loadUserView, type UserView } from '../users/user-view.js';
import { recordSecurityEvent, type RequestMeta } from './audit.js';
import { queueVerificationEmail } from './register.js';
import { queueEmailRequest } from './email-requests.js';
import { hashLinkToken } from './secrets.js';

/**
 * Confirms an email address with the token from the verification link. The link is single use;
 * a patient becomes `active`, a doctor stays `pending` until approved.
 * @throws BadRequestError `invalid_token` for an unknown, used, voided or expired token.
 */
export async function verifyEmail(token: string, meta: RequestMeta = {}): Promise<UserView> {
  const tokenHash = hashLinkToken(token);
  return withTransaction(async (trx) => {
    const row = await trx('emailVerifications')
      .where({ tokenHash })
      .whereNull('usedAt')
      .whereNull('voidedAt')
      .where('expiresAt', '>', trx.fn.now())
      .forUpdate()
      .first('id', 'userId');
    if (!row) throw new BadRequestError('invalid_token', 'The verification link is invalid or has expired.');
    await trx('emailVerifications').where({ id: row.id }).update({ usedAt: trx.fn.now() });
    const [user] = await trx('users')
      .where({ id: row.userId })
      .update({
        emailVerified: true,
        status: trx.raw(`case when role = 'patient' and status = 'pending' then 'active' else status end`),
        updatedAt: trx.fn.now(),
      })
      .returning(['id', 'role']);
    await recordSecurityEvent(
      {
        actor: { userId: user.id, role: user.role },
        entity: 'user',
        entityId: user.id,
        action: 'verify_email',
        outcome: 'success',
      },
      meta,
      trx,
    );
    return (await loadUserView(user.id as string, trx))!;
  });
}

/**
 * Sends a fresh verification link to an unverified account, voiding the previous link: queues
 * `resend_verification` and nothing else, so the answer and its timing are the same whether or not
 * the email belongs to an account (see {@link queueEmailRequest}).
 */
export async function resendVerification(email: string): Promise<void> {
  await queueEmailRequest('resend_verification', email);
}

/**
 * The job's half of a resend request: for an unverified, not suspended or removed account, voids
 * the previous link and queues a new one; for any other address, nothing. Safe to run twice: a
 * link created at or after `requestedAt` means this request was already handled.
 */
export async function startVerificationResend(
  email: string,
  requestedAt: Date,
): Promise<'started' | 'skipped'> {
  const user = await db()('users')
    .whereRaw('lower(email) = lower(?)', [email])
    .first('id', 'emailVerified', 'status');
  if (!user || user.emailVerified || user.status === 'removed' || user.status === 'suspended')
    return 'skipped';
  return withTransaction(async (trx) => {
    // Serialises concurrent resends of one account, so the one-live-link index never trips.
    await trx('users').where({ id: user.id }).forUpdate().first('id');
    const handled = await trx('emailVerifications')
      .where({ userId: user.id })
      .where('createdAt', '>=', requestedAt)
      .first('id');
    if (handled) return 'skipped';
    await queueVerificationEmail(trx, user.id as string);
    return 'started';
  });
}
