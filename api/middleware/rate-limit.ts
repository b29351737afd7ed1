import { consumeRateLimit } from '../../domain/auth/rate-limits.js';
import { services } from '../../lib/services.js';
import { errorSpec } from '../../lib/errors.js';
import { documented, type AppContext } from '../route.js';

/**
 * Limits requests per client IP on a group of routes (`bucket`), counted in PostgreSQL so the limit
 * holds across web processes: past `limit()` requests in the window the route answers 429
 * `rate_limited` with Retry-After. Every request counts, valid or not, before its body is read.
 * The limit is read per request so configuration stays the single source.
 * (Default window: 15 minutes)
 */
export function rateLimitPerIp(bucket: string, limit: () => number, windowSeconds?: number) {
  return documented(
    async (ctx: AppContext, next: () => Promise<unknown>) => {
      await consumeRateLimit(`ip:${bucket}:${ctx.ip}`, limit(), windowSeconds);
      await next();
    },
    [
      errorSpec(
        429,
        'rate_limited',
        `Too many requests from this address (${bucket} limit); see Retry-After`,
      ),
    ],
  );
}

/** The per-IP limit of every auth route (AUTH_RATE_LIMIT_PER_IP per 15 minutes). */
export const authIpLimit = rateLimitPerIp('auth', () => services().config.authRateLimitPerIp);

/**
 * Registrations per IP per hour (REGISTER_RATE_LIMIT_PER_IP), tighter than the auth limit: each
 * registration sends an email to an address the caller chose.
 */
export const registerIpLimit = rateLimitPerIp(
  'register',
  () => services().config.registerRateLimitPerIp,
  3600,
);
