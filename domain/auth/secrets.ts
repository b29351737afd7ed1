import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { services } from '../../lib/services.js';

/** Minutes a password-reset OTP stays valid after it is generated. */
export const OTP_TTL_MINUTES = 10;
/** Wrong guesses an OTP takes; the last one voids it (mirrors `password_resets_attempts_check`). */
export const OTP_MAX_ATTEMPTS = 5;
/** Hours an email verification link stays valid after it is generated. */
export const VERIFICATION_TTL_HOURS = 24;

/** A uniformly random 6-digit code from the CSPRNG (leading zeros kept). */
export function generateOtp(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/**
 * The stored form of an OTP: HMAC-SHA256 keyed with the server secret over `resetId:otp`.
 * A plain hash of six digits is reversed by trying all million codes; the key makes a leaked
 * table useless without the secret, and the row id makes every row's hash distinct.
 */
export function hashOtp(resetId: string, otp: string): string {
  return createHmac('sha256', services().jwtSecret).update(`${resetId}:${otp}`).digest('hex');
}

/** Constant-time comparison of two hex digests of equal length. */
export function digestsEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

/** A 256-bit random token for a verification link (base64url, URL-safe). */
export function generateLinkToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The stored form of a link token: SHA-256 hex. The token carries 256 bits of entropy, so an
 * unkeyed hash cannot be reversed and the row can be found by the hash alone.
 */
export function hashLinkToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
