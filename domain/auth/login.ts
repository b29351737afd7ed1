import { db } from '../../db/knex.js';
import { AppError, ForbiddenError, UnauthorizedError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { loadUserView, type UserView } from '../users/user-view.js';
import type { Role } from './actor.js';
import { recordSecurityEvent, type RequestMeta } from './audit.js';
import { dummyHash, verifyPassword } from './passwords.js';
import { accountKey, clearFailures, takeAttempt } from './rate-limits.js';
import { issueToken } from './tokens.js';

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: UserView;
}

/**
 * Signs a user in with email and password and issues a JWT.
 * Unknown email and wrong password answer the same 401 `invalid_credentials`, after the same bcrypt
 * work (a dummy hash stands in for the missing account). Only once the password matched does the
 * account's state decide: 403 `account_removed`, `account_suspended`, `email_not_verified` or
 * `account_pending`. Attempts per typed email are counted before the check and limited (429 before
 * any check once exceeded); a matching password clears the count.
 */
export async function login(
  input: { email: string; password: string },
  meta: RequestMeta = {},
): Promise<LoginResult> {
  const key = accountKey('login', input.email);
  await takeAttempt(key, services().config.authRateLimitPerAccount);
  const user = (await db()('users')
    .whereRaw('lower(email) = lower(?)', [input.email])
    .first('id', 'role', 'status', 'emailVerified', 'passwordHash', 'tokenGeneration')) as
    | {
        id: string;
        role: Role;
        status: string;
        emailVerified: boolean;
        passwordHash: string;
        tokenGeneration: number;
      }
    | undefined;
  const ok = await verifyPassword(input.password, user?.passwordHash ?? (await dummyHash()));
  if (!user || !ok) {
    await recordSecurityEvent(
      {
        actor: user ? { userId: user.id, role: user.role } : undefined,
        entity: 'session',
        entityId: user?.id,
        action: 'login',
        outcome: 'failure',
        details: user
          ? { reason: 'wrong_password' }
          : { reason: 'unknown_email', email: input.email.toLowerCase() },
      },
      meta,
    );
    throw new UnauthorizedError('invalid_credentials', 'The email or password is incorrect.');
  }
  // The password matched: this was no guess, whatever the account's state says next.
  await clearFailures(key);
  const refusal = refuseLogin(user);
  if (refusal) {
    await recordSecurityEvent(
      {
        actor: { userId: user.id, role: user.role },
        entity: 'session',
        entityId: user.id,
        action: 'login',
        outcome: 'denied',
        details: { reason: refusal.code },
      },
      meta,
    );
    throw refusal;
  }
  const { token, expiresAt } = issueToken(user);
  await recordSecurityEvent(
    {
      actor: { userId: user.id, role: user.role },
      entity: 'session',
      entityId: user.id,
      action: 'login',
      outcome: 'success',
    },
    meta,
  );
  return { token, expiresAt, user: (await loadUserView(user.id))! };
}

/** Why an account whose password matched may not sign in, or undefined when it may. */
function refuseLogin(user: { status: string; emailVerified: boolean }): AppError | undefined {
  if (user.status === 'removed')
    return new ForbiddenError('account_removed', 'This account has been removed.');
  if (user.status === 'suspended')
    return new AppError(403, 'account_suspended', 'This account is suspended.');
  if (!user.emailVerified) {
    return new ForbiddenError('email_not_verified', 'Confirm your email address first; we sent you a link.');
  }
  if (user.status === 'pending')
    return new ForbiddenError('account_pending', 'This account is waiting for approval.');
  return undefined;
}
