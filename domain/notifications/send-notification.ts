import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import type { Actor, Role } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import type { SendNotificationInput } from './schemas.js';

export interface BroadcastRow {
  id: string;
  createdBy: string;
  userId: string | null;
  role: Role | null;
  type: 'system' | 'custom';
  title: string;
  body: string;
  sendEmail: boolean;
  status: 'queued' | 'done';
  recipientCount: number | null;
  createdAt: Date;
  completedAt: Date | null;
}

/**
 * Records an admin's notification to a user or a role and queues `fan_out_notification` on the same
 * transaction; the request never loops over recipients. 400 unless exactly one of `userId` and
 * `role` is given; 404 for an unknown or removed user.
 */
export async function sendNotification(actor: Actor, input: SendNotificationInput): Promise<BroadcastRow> {
  if (Boolean(input.userId) === Boolean(input.role)) {
    throw new ValidationError('Give exactly one of userId and role.', [
      { path: input.userId ? '/role' : '/userId', message: 'exactly one of userId and role is required' },
    ]);
  }
  return withTransaction(async (trx) => {
    if (input.userId) {
      const user = await trx('users').where('id', input.userId).whereNot('status', 'removed').first('id');
      if (!user) throw new NotFoundError('user');
    }
    const [row] = (await trx('notificationBroadcasts')
      .insert({
        createdBy: actor.userId,
        userId: input.userId ?? null,
        role: input.role ?? null,
        type: input.type ?? 'system',
        title: input.title,
        body: input.body,
        sendEmail: input.email ?? false,
      })
      .returning('*')) as BroadcastRow[];
    await addJob(
      trx,
      'fan_out_notification',
      { broadcastId: row.id },
      { jobKey: `fan_out_notification:${row.id}` },
    );
    await recordAudit(
      actor,
      {
        entity: 'notification_broadcast',
        entityId: row.id,
        action: 'create',
        outcome: 'success',
        details: { userId: row.userId, role: row.role, email: row.sendEmail },
      },
      trx,
    );
    return row;
  });
}
