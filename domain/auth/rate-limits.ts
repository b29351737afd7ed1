import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';
import { RateLimitedError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { recordSecurityEvent } from './audit.js';

/** Length of one rate-limit window of IP limits; they are "per 15 minutes". */
export const RATE_WINDOW_SECONDS = 15 * 60;

interface WindowRow {
  hits: number;
  retryAfter: number;
}

/**
 * Counts one hit on `key` in the current fixed window of `windowSeconds` (one atomic upsert, safe
 * across processes) and returns the new count and the seconds until the window ends.
 * (Default window: 15 minutes)
 */
export async function hitRateLimit(key: string, windowSeconds = RATE_WINDOW_SECONDS): Promise<WindowRow> {
  const { rows } = await db().raw(
    `insert into rate_limits (key, window_start, hits)
     values (?, date_bin(make_interval(secs => ?), now(), timestamptz 'epoch'), 1)
     on conflict (key, window_start) do update set hits = rate_limits.hits + 1
     returning hits, ceil(extract(epoch from window_start + make_interval(secs => ?) - now()))::int as "retryAfter"`,
    [key, windowSeconds, windowSeconds],
  );
  return rows[0] as WindowRow;
}

/**
 * Counts a request on `key` and throws 429 `rate_limited` (with Retry-After) once it exceeds `limit`
 * in the window. (Default window: 15 minutes)
 */
export async function consumeRateLimit(
  key: string,
  limit: number,
  windowSeconds = RATE_WINDOW_SECONDS,
  message?: string,
): Promise<void> {
  const { hits, retryAfter } = await hitRateLimit(key, windowSeconds);
  if (hits > limit) throw new RateLimitedError(retryAfter, message);
}

/**
 * Takes one attempt at a secret (a password or an OTP) on `key` before it is checked, and throws
 * 429 `rate_limited` once the window holds more than `limit` unconfirmed attempts. Counting first,
 * in one atomic upsert, is what bounds concurrent guesses: a check made before any of them had
 * failed would let a parallel burst through. A success calls {@link clearFailures}, so only
 * attempts that did not succeed add up. The window is `AUTH_LOCKOUT_MINUTES` long: how long an
 * account stays locked once it is exceeded.
 */
export async function takeAttempt(key: string, limit: number): Promise<void> {
  await consumeRateLimit(key, limit, services().config.authLockoutMinutes * 60);
}

/** Forgets the failures on `key` after a success, so a user's own typos do not add up. */
export async function clearFailures(key: string): Promise<void> {
  await db()('rateLimits').where({ key }).delete();
}

/** Rate-limit keys of one account, by the normalised email typed (known or not: no enumeration). */
export const accountKey = (purpose: 'login' | 'otp' | 'email' | 'password', id: string) =>
  `${purpose}:${id.trim().toLowerCase()}`;

/**
 * Clears every per-account limit of one account (sign-in, OTP, verification emails and, when the
 * account exists, password changes), so an operator can lift a lockout at once, and records who
 * did it in the audit log. Returns how many windows were cleared.
 */
export async function clearAccountLockout(email: string, operator: string): Promise<number> {
  return withTransaction(async (trx) => {
    const keys = (['login', 'otp', 'email'] as const).map((p) => accountKey(p, email));
    const user = (await trx('users')
      .whereRaw('lower(email) = ?', [email.trim().toLowerCase()])
      .first('id')) as { id: string } | undefined;
    if (user) keys.push(accountKey('password', user.id));
    const cleared = await trx('rateLimits').whereIn('key', keys).delete();
    await recordSecurityEvent(
      {
        entity: 'user',
        entityId: user?.id,
        action: 'lockout_cleared',
        outcome: 'success',
        details: { operator, windows: cleared },
      },
      {},
      trx,
    );
    return cleared;
  });
}
