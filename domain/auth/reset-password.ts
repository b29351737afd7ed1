import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';
import { actorChanged } from './actor-cache.js';
import { BadRequestError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Role } from './actor.js';
import { recordSecurityEvent, type RequestMeta } from './audit.js';
import { hashPassword } from './passwords.js';
import { accountKey, clearFailures, takeAttempt } from './rate-limits.js';
import { digestsEqual, hashOtp, OTP_MAX_ATTEMPTS } from './secrets.js';
import type { ResetPasswordInput } from './schemas.js';

const invalidOtp = () => new BadRequestError('invalid_otp', 'The code is invalid or has expired.');

/**
 * Sets a new password with the emailed OTP. The OTP is single use, expires, and dies after
 * {@link OTP_MAX_ATTEMPTS} wrong guesses; success bumps the token generation, which signs the
 * account out everywhere, and confirms the email address (the code came by email). Unknown email,
 * no OTP, expired, used or wrong OTP all answer the same 400 `invalid_otp`; attempts per typed
 * email are counted before the check and limited (429); a success clears them.
 */
export async function resetPassword(input: ResetPasswordInput, meta: RequestMeta = {}): Promise<void> {
  const key = accountKey('otp', input.email);
  await takeAttempt(key, services().config.authRateLimitPerAccount);
  const user = (await db()('users')
    .whereRaw('lower(email) = lower(?)', [input.email])
    .first('id', 'role', 'status')) as { id: string; role: Role; status: string } | undefined;
  const outcome = await withTransaction(async (trx) => {
    if (!user || user.status === 'removed' || user.status === 'suspended') return 'invalid' as const;
    const reset = await trx('passwordResets')
      .where({ userId: user.id })
      .whereNull('usedAt')
      .whereNull('voidedAt')
      .whereNotNull('otpHash')
      .forUpdate()
      .first('id', 'otpHash', 'expiresAt', 'failedAttempts');
    if (!reset || new Date(reset.expiresAt) <= new Date()) return 'invalid' as const;
    if (!digestsEqual(hashOtp(reset.id, input.otp), reset.otpHash)) {
      const attempts = (reset.failedAttempts as number) + 1;
      await trx('passwordResets')
        .where({ id: reset.id })
        .update({ failedAttempts: attempts, voidedAt: attempts >= OTP_MAX_ATTEMPTS ? trx.fn.now() : null });
      await recordSecurityEvent(
        {
          actor: { userId: user.id, role: user.role },
          entity: 'user',
          entityId: user.id,
          action: 'reset_password',
          outcome: 'failure',
          details: { reason: 'wrong_otp', attempts },
        },
        meta,
        trx,
      );
      return 'wrong' as const;
    }
    await trx('passwordResets').where({ id: reset.id }).update({ usedAt: trx.fn.now() });
    await trx('users')
      .where({ id: user.id })
      .update({
        passwordHash: await hashPassword(input.newPassword),
        tokenGeneration: trx.raw('token_generation + 1'),
        // The code arrived by email, which proves the address as well as a verification link does.
        emailVerified: true,
        status: trx.raw(`case when role = 'patient' and status = 'pending' then 'active' else status end`),
        updatedAt: trx.fn.now(),
      });
    await recordSecurityEvent(
      {
        actor: { userId: user.id, role: user.role },
        entity: 'user',
        entityId: user.id,
        action: 'reset_password',
        outcome: 'success',
      },
      meta,
      trx,
    );
    return 'reset' as const;
  });
  if (outcome !== 'reset') throw invalidOtp();
  actorChanged(user!.id);
  await clearFailures(key);
}
