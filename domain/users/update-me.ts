import { withTransaction } from '../../db/transaction.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isValidTimeZone } from '../../lib/time-zones.js';
import type { Actor } from '../auth/actor.js';
import { loadUserView, type UserView } from './user-view.js';
import type { UpdateMeInput } from './schemas.js';

/**
 * Updates the caller's own profile. For a patient the same fields (and the time zone) are copied to
 * their patient profile in the same transaction, so the two never disagree.
 */
export async function updateMe(actor: Actor, input: UpdateMeInput): Promise<UserView> {
  if (input.timeZone !== undefined) {
    if (actor.role !== 'patient') {
      throw new ValidationError('The request is invalid.', [
        { path: '/timeZone', message: 'is only accepted for patients' },
      ]);
    }
    if (!isValidTimeZone(input.timeZone)) {
      throw new ValidationError('The request is invalid.', [
        { path: '/timeZone', message: 'is not an IANA time zone' },
      ]);
    }
  }
  const fields: Record<string, unknown> = {};
  if (input.name !== undefined) fields.name = input.name;
  if (input.phone !== undefined) fields.phone = input.phone;
  if (input.gender !== undefined) fields.gender = input.gender;
  return withTransaction(async (trx) => {
    const updated = await trx('users')
      .where({ id: actor.userId })
      .update({ ...fields, updatedAt: trx.fn.now() })
      .returning('id');
    if (updated.length === 0) throw new NotFoundError('user');
    if (actor.role === 'patient') {
      const profile = { ...fields, ...(input.timeZone !== undefined ? { timeZone: input.timeZone } : {}) };
      if (Object.keys(profile).length > 0) {
        await trx('patients')
          .where({ userId: actor.userId })
          .whereNull('deletedAt')
          .update({ ...profile, updatedAt: trx.fn.now() });
      }
    }
    return (await loadUserView(actor.userId, trx))!;
  });
}
