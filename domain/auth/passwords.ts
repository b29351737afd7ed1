import { createHash } from 'node:crypto';
import bcrypt from 'bcrypt';
import { services } from '../../lib/services.js';

/**
 * bcrypt reads only the first 72 bytes of its input, so two long passwords that differ after
 * byte 72 would collide. Every password is first reduced to a fixed-length SHA-256 digest
 * (base64, 44 bytes), which keeps all of it significant.
 */
function prehash(password: string): string {
  return createHash('sha256').update(password, 'utf8').digest('base64');
}

/** Hashes a password for storage: bcrypt over the SHA-256 pre-hash, so every byte counts. */
export function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(prehash(password), services().config.bcryptRounds);
}

/** Whether `password` matches a hash made by {@link hashPassword} (bcrypt's constant-time compare). */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcrypt.compare(prehash(password), hash);
}

/** A real hash to compare against when the account does not exist, so timing does not enumerate. */
let dummy: Promise<string> | undefined;
export function dummyHash(): Promise<string> {
  dummy ??= hashPassword('not-a-real-password-' + Math.random());
  return dummy;
}
