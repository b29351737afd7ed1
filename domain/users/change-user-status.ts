import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor, Role } from '../auth/actor.js';
import { actorChanged } from '../auth/actor-cache.js';
import { doctorScheduleChanged } from '../scheduling/doctor-cache.js';
import { recordSecurityEvent } from '../auth/audit.js';
import { loadUserView, type UserStatus, type UserView } from './user-view.js';
import type { ChangeUserStatusInput } from './schemas.js';

/** Status changes an admin may make; `removed` is final (the account and its history stay for the record). */
const TRANSITIONS: Record<UserStatus, UserStatus[]> = {
  pending: ['active', 'removed'],
  active: ['suspended', 'removed'],
  suspended: ['active', 'removed'],
  removed: [],
};

/**
 * Approves, suspends, reactivates or removes an account. Suspending or removing bumps the token
 * generation, so the user's sessions end on their next request. Approving a pending doctor emails
 * them (`doctor_approved`). Nobody changes their own status; only a super-admin changes an admin's
 * or a super-admin's. Setting the current status again changes nothing and answers the account.
 * @throws NotFoundError for an unknown id.
 * @throws ForbiddenError for oneself or a higher account.
 * @throws ConflictError `invalid_transition` e.g. for a removed account.
 */
export async function changeUserStatus(
  actor: Actor,
  userId: string,
  input: ChangeUserStatusInput,
): Promise<UserView> {
  const meta = { ip: actor.ip, requestId: actor.requestId };
  const view = await withTransaction(async (trx) => {
    const target = (await trx('users')
      .where({ id: userId })
      .forUpdate()
      .first('id', 'name', 'email', 'role', 'status')) as
      { id: string; name: string; email: string; role: Role; status: UserStatus } | undefined;
    if (!target) throw new NotFoundError('user');
    const denied =
      target.id === actor.userId
        ? 'You cannot change the status of your own account.'
        : (target.role === 'admin' || target.role === 'super-admin') && actor.role !== 'super-admin'
          ? 'Only a super-admin can change the status of an admin account.'
          : target.role === 'super-admin'
            ? 'The status of a super-admin account cannot be changed here.'
            : undefined;
    if (denied) {
      await recordSecurityEvent(
        {
          actor,
          entity: 'user',
          entityId: target.id,
          action: 'change_status',
          outcome: 'denied',
          details: { from: target.status, to: input.status },
        },
        meta,
      );
      throw new ForbiddenError('forbidden', denied);
    }
    if (target.status === input.status) return (await loadUserView(target.id, trx))!;
    if (!TRANSITIONS[target.status].includes(input.status)) {
      throw new ConflictError(
        'invalid_transition',
        `A ${target.status} account cannot become ${input.status}.`,
      );
    }
    const endsSessions = input.status === 'suspended' || input.status === 'removed';
    await trx('users')
      .where({ id: target.id })
      .update({
        status: input.status,
        ...(endsSessions ? { tokenGeneration: trx.raw('token_generation + 1') } : {}),
        updatedAt: trx.fn.now(),
      });
    if (target.role === 'doctor' && target.status === 'pending' && input.status === 'active') {
      await addJob(trx, 'send_email', {
        ledgerKey: `doctor_approved:${target.id}`,
        template: 'doctor_approved',
        to: target.email,
        vars: { recipientName: target.name, loginUrl: `${services().config.appUrl}/login` },
      });
    }
    await recordSecurityEvent(
      {
        actor,
        entity: 'user',
        entityId: target.id,
        action: 'change_status',
        outcome: 'success',
        details: { from: target.status, to: input.status, ...(input.reason ? { reason: input.reason } : {}) },
      },
      meta,
      trx,
    );
    return (await loadUserView(target.id, trx))!;
  });
  actorChanged(userId);
  // A doctor's status decides whether they are offered at all (a no-op for other users).
  doctorScheduleChanged(userId);
  return view;
}
