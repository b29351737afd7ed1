import { db } from '../../db/knex.js';
import { RateLimitedError } from '../../lib/errors.js';

/** Length of one rate-limit window; limits are "per 15 minutes". */
export const RATE_WINDOW_SECONDS = 15 * 60;

interface WindowRow {
  hits: number;
  retryAfter: number;
}

/**
 * Counts one hit on `key` in the current fixed window (one atomic upsert, safe across processes)
 * and returns the new count and the seconds until the window ends.
 * `windowSeconds` must divide an hour (windows older than an hour are pruned). (Default: 15 minutes)
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

/** Counts a request on `key` and throws 429 `rate_limited` (with Retry-After) once it exceeds `limit`. */
export async function consumeRateLimit(
  key: string,
  limit: number,
  windowSeconds = RATE_WINDOW_SECONDS,
): Promise<void> {
  const { hits, retryAfter } = await hitRateLimit(key, windowSeconds);
  if (hits > limit) throw new RateLimitedError(retryAfter);
}

/**
 * Takes one attempt at a secret (a password or an OTP) on `key` before it is checked, and throws
 * 429 `rate_limited` once the window holds more than `limit` unconfirmed attempts. Counting first,
 * in one atomic upsert, is what bounds concurrent guesses: a check made before any of them had
 * failed would let a parallel burst through. A success calls {@link clearFailures}, so only
 * attempts that did not succeed add up.
 */
export async function takeAttempt(key: string, limit: number): Promise<void> {
  await consumeRateLimit(key, limit);
}

/** Forgets the failures on `key` after a success, so a user's own typos do not add up. */
export async function clearFailures(key: string): Promise<void> {
  await db()('rateLimits').where({ key }).delete();
}

/** Rate-limit keys of one account, by the normalised email typed (known or not: no enumeration). */
export const accountKey = (purpose: 'login' | 'otp' | 'email' | 'password', id: string) =>
  `${purpose}:${id.trim().toLowerCase()}`;
