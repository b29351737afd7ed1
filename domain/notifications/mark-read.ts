import { db } from '../../db/knex.js';
import { NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { notificationColumns, type NotificationRow } from './notification.js';

/**
 * Marks one of the caller's notifications read and returns it; reading it again keeps the first
 * `readAt`. Someone else's notification is 404, like a missing one.
 */
export async function markNotificationRead(actor: Actor, id: string): Promise<NotificationRow> {
  const knex = db();
  const [row] = (await knex('notifications')
    .where({ id, userId: actor.userId })
    .update({ readAt: knex.raw('coalesce(read_at, now())') })
    .returning(notificationColumns(knex) as string[])) as NotificationRow[];
  if (!row) throw new NotFoundError('notification');
  return row;
}

/** Marks every unread notification of the caller read; returns how many changed. */
export async function markAllNotificationsRead(actor: Actor): Promise<{ updated: number }> {
  const updated = await db()('notifications')
    .where('userId', actor.userId)
    .whereNull('readAt')
    .update({ readAt: db().fn.now() });
  return { updated };
}
