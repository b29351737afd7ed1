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
 */
export async function hitRateLimit(key: string): Promise<WindowRow> {
  const { rows } = await db().raw(
    `insert into rate_limits (key, window_start, hits)
     values (?, date_bin(make_interval(secs => ?), now(), timestamptz 'epoch'), 1)
     on conflict (key, window_start) do update set hits = rate_limits.hits + 1
     returning hits, ceil(extract(epoch from window_start + make_interval(secs => ?) - now()))::int as "retryAfter"`,
    [key, RATE_WINDOW_SECONDS, RATE_WINDOW_SECONDS],
  );
  return rows[0] as WindowRow;
}

/** Hits counted on `key` in the current window (0 when none), and the seconds until it ends. */
export async function peekRateLimit(key: string): Promise<WindowRow> {
  const { rows } = await db().raw(
    `select coalesce(max(hits), 0)::int as hits,
            ceil(extract(epoch from date_bin(make_interval(secs => ?), now(), timestamptz 'epoch')
                 + make_interval(secs => ?) - now()))::int as "retryAfter"
       from rate_limits
      where key = ? and window_start = date_bin(make_interval(secs => ?), now(), timestamptz 'epoch')`,
    [RATE_WINDOW_SECONDS, RATE_WINDOW_SECONDS, key, RATE_WINDOW_SECONDS],
  );
  return rows[0] as WindowRow;
}

/** Counts a request on `key` and throws 429 `rate_limited` (with Retry-After) once it exceeds `limit`. */
export async function consumeRateLimit(key: string, limit: number): Promise<void> {
  const { hits, retryAfter } = await hitRateLimit(key);
  if (hits > limit) throw new RateLimitedError(retryAfter);
}

/**
 * Throws 429 when `key` already has `limit` failures in this window. Called before checking a
 * password or an OTP, so a locked account answers the same whatever is guessed.
 */
export async function assertFailuresUnderLimit(key: string, limit: number): Promise<void> {
  const { hits, retryAfter } = await peekRateLimit(key);
  if (hits >= limit) throw new RateLimitedError(retryAfter);
}

/** Records one failed attempt on `key` (a wrong password or OTP). */
export async function recordFailure(key: string): Promise<void> {
  await hitRateLimit(key);
}

/** Forgets the failures on `key` after a success, so a user's own typos do not add up. */
export async function clearFailures(key: string): Promise<void> {
  await db()('rateLimits').where({ key }).delete();
}

/** Rate-limit keys of one account, by the normalised email typed (known or not: no enumeration). */
export const accountKey = (purpose: 'login' | 'otp' | 'email' | 'password', id: string) =>
  `${purpose}:${id.trim().toLowerCase()}`;
