import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, ValidationError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import { recordSecurityEvent } from '../auth/audit.js';
import { hashPassword } from '../auth/passwords.js';
import { loadUserView, type UserView } from './user-view.js';
import type { CreateUserInput } from './schemas.js';

/** Roles an admin may create; patients register themselves or are created as walk-in profiles. */
export const STAFF_ROLES = ['staff', 'nurse', 'doctor', 'admin'] as const;

/**
 * Creates a staff account (staff, nurse, doctor or admin), active and verified at once; a doctor
 * gets its doctors row. Only a super-admin creates admins.
 * @throws ForbiddenError when an admin tries to create an admin.
 * @throws ConflictError `duplicate` when the email is taken.
 */
export async function createUser(actor: Actor, input: CreateUserInput): Promise<UserView> {
  if (input.role === 'admin' && actor.role !== 'super-admin') {
    throw new ForbiddenError('forbidden', 'Only a super-admin can create admin accounts.');
  }
  if (input.adminRoles !== undefined && input.role !== 'admin') {
    throw new ValidationError('The request is invalid.', [
      { path: '/adminRoles', message: 'is only accepted for admins' },
    ]);
  }
  if (input.specialization !== undefined && input.role !== 'doctor') {
    throw new ValidationError('The request is invalid.', [
      { path: '/specialization', message: 'is only accepted for doctors' },
    ]);
  }
  const passwordHash = await hashPassword(input.password);
  return withTransaction(async (trx) => {
    const [user] = await trx('users')
      .insert({
        name: input.name,
        email: input.email,
        passwordHash,
        role: input.role,
        adminRoles: [...new Set(input.adminRoles ?? [])],
        status: 'active',
        emailVerified: true,
        phone: input.phone ?? null,
        gender: input.gender ?? null,
      })
      .returning('id');
    if (input.role === 'doctor') {
      await trx('doctors').insert({
        id: user.id,
        specialization: input.specialization ?? null,
        contactEmail: input.email,
        phone: input.phone ?? null,
        timeZone: services().config.clinicTimeZone,
      });
    }
    await recordSecurityEvent(
      {
        actor,
        entity: 'user',
        entityId: user.id,
        action: 'create_user',
        outcome: 'success',
        details: { role: input.role, adminRoles: input.adminRoles ?? [] },
      },
      { ip: actor.ip, requestId: actor.requestId },
      trx,
    );
    return (await loadUserView(user.id as string, trx))!;
  });
}
