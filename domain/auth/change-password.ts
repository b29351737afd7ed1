import { withTransaction } from '../../db/transaction.js';
import { BadRequestError, NotFoundError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor, Role } from './actor.js';
import { actorChanged } from './actor-cache.js';
import { recordSecurityEvent } from './audit.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { accountKey, clearFailures, takeAttempt } from './rate-limits.js';
import { issueToken } from './tokens.js';

/**
 * Changes the caller's password after checking the old one, revokes every token issued before
 * (token generation + 1) and returns a fresh token so this client stays signed in. Wrong old
 * passwords count toward the account's failure limit, so a stolen token cannot guess it.
 * @throws BadRequestError `invalid_password` when the old password does not match.
 */
export async function changePassword(
  actor: Actor,
  input: { oldPassword: string; newPassword: string },
): Promise<{ token: string; expiresAt: Date }> {
  const key = accountKey('password', actor.userId);
  const meta = { ip: actor.ip, requestId: actor.requestId };
  await takeAttempt(key, services().config.authRateLimitPerAccount);
  const newHash = await hashPassword(input.newPassword);
  const result = await withTransaction(async (trx) => {
    const user = (await trx('users')
      .where({ id: actor.userId })
      .forUpdate()
      .first('id', 'role', 'passwordHash')) as { id: string; role: Role; passwordHash: string } | undefined;
    if (!user) throw new NotFoundError('user');
    if (!(await verifyPassword(input.oldPassword, user.passwordHash))) {
      await recordSecurityEvent(
        {
          actor,
          entity: 'user',
          entityId: user.id,
          action: 'change_password',
          outcome: 'failure',
          details: { reason: 'wrong_password' },
        },
        meta,
        trx,
      );
      return undefined;
    }
    const [updated] = await trx('users')
      .where({ id: user.id })
      .update({
        passwordHash: newHash,
        tokenGeneration: trx.raw('token_generation + 1'),
        updatedAt: trx.fn.now(),
      })
      .returning(['id', 'role', 'tokenGeneration']);
    await recordSecurityEvent(
      { actor, entity: 'user', entityId: user.id, action: 'change_password', outcome: 'success' },
      meta,
      trx,
    );
    return updated as { id: string; role: Role; tokenGeneration: number };
  });
  if (!result) {
    throw new BadRequestError('invalid_password', 'The current password is incorrect.');
  }
  actorChanged(actor.userId);
  await clearFailures(key);
  return issueToken(result);
}
