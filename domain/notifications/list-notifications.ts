import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import type { Actor } from '../auth/actor.js';
import { notificationColumns, type NotificationRow } from './notification.js';
import type { ListNotificationsQuery } from './schemas.js';

export type ListNotificationsInput = ListNotificationsQuery;

/** The caller's own notifications, newest first, a page at a time, with their unread count. */
export async function listNotifications(actor: Actor, input: ListNotificationsInput) {
  const knex = db();
  const after = decodeCursor(input.cursor, 2);
  const q = knex('notifications').select(notificationColumns(knex)).where('userId', actor.userId);
  if (input.unread) q.whereNull('readAt');
  if (after) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', after);
  const [rows, unreadCount] = await Promise.all([
    q
      .orderBy([
        { column: 'createdAt', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(input.limit + 1) as Promise<NotificationRow[]>,
    countUnread(actor),
  ]);
  return { ...toPage(rows, input.limit, (r) => [r.cursorAt!, r.id]), unreadCount };
}

/** How many of the caller's notifications are unread (served by a partial index). */
export async function countUnread(actor: Actor): Promise<number> {
  const row = (await db()('notifications')
    .where('userId', actor.userId)
    .whereNull('readAt')
    .count({ n: '*' })
    .first()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}
