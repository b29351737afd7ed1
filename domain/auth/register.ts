import { addJob } from '../../db/jobs.js';
import { withTransaction, type Trx } from '../../db/transaction.js';
import { ValidationError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { loadUserView, type UserView } from '../users/user-view.js';
import { recordSecurityEvent, type RequestMeta } from './audit.js';
import { hashPassword } from './passwords.js';
import type { RegisterInput } from './schemas.js';

/**
 * Opens a verification for `userId` (voiding any earlier one) and queues the task that makes the
 * link; the token itself is created inside the worker, so it never sits in a job payload.
 */
export async function queueVerificationEmail(trx: Trx, userId: string): Promise<void> {
  await trx('emailVerifications')
    .where({ userId })
    .whereNull('usedAt')
    .whereNull('voidedAt')
    .update({ voidedAt: trx.fn.now() });
  const [row] = await trx('emailVerifications').insert({ userId }).returning('id');
  await addJob(trx, 'send_verification_email', { verificationId: row.id as string });
}

/**
 * Public self-registration of a patient or a doctor. A patient starts `pending` and becomes active
 * when the email is verified; a doctor stays `pending` until an admin approves. The account, its
 * patient profile or doctor row, and the verification email job commit together.
 * @throws ConflictError `duplicate` when the email is taken (the one place that reveals an account).
 */
export async function registerUser(input: RegisterInput, meta: RequestMeta = {}): Promise<UserView> {
  const role = input.role ?? 'patient';
  if (role !== 'doctor' && input.specialization !== undefined) {
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
        role,
        status: 'pending',
        emailVerified: false,
        phone: input.phone ?? null,
        gender: input.gender ?? null,
      })
      .returning('id');
    if (role === 'patient') {
      await trx('patients').insert({
        userId: user.id,
        name: input.name,
        email: input.email,
        phone: input.phone ?? null,
        gender: input.gender ?? null,
        timeZone: services().config.clinicTimeZone,
        createdBy: user.id,
      });
    } else {
      await trx('doctors').insert({
        id: user.id,
        specialization: input.specialization ?? null,
        contactEmail: input.email,
        phone: input.phone ?? null,
        timeZone: services().config.clinicTimeZone,
      });
    }
    await queueVerificationEmail(trx, user.id as string);
    await recordSecurityEvent(
      {
        actor: { userId: user.id, role },
        entity: 'user',
        entityId: user.id,
        action: 'register',
        outcome: 'success',
        details: { role },
      },
      meta,
      trx,
    );
    return (await loadUserView(user.id as string, trx))!;
  });
}
