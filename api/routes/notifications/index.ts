import { notFound } from '../../../lib/errors.js';
import { countUnread, listNotifications } from '../../../domain/notifications/list-notifications.js';
import { markAllNotificationsRead, markNotificationRead } from '../../../domain/notifications/mark-read.js';
import { toNotificationView } from '../../../domain/notifications/notification.js';
import { sendNotification, type BroadcastRow } from '../../../domain/notifications/send-notification.js';
import { defineRoutes, route } from '../../route.js';
import { EmptyBody, IdParams } from '../../../lib/schema.js';
import { Broadcast, Notification, NotificationList, ReadAll, UnreadCount } from './schemas.js';
import { ListNotificationsQuery, SendNotificationInput } from '../../../domain/notifications/schemas.js';

const presentBroadcast = (b: BroadcastRow) => ({
  id: b.id,
  ...(b.userId ? { userId: b.userId } : {}),
  ...(b.role ? { role: b.role } : {}),
  type: b.type,
  title: b.title,
  email: b.sendEmail,
  status: b.status,
  createdAt: new Date(b.createdAt).toISOString(),
});

/** In-app notifications: each user's own list and read state, and admin broadcasts. */
export const notificationsRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/notifications',
    operationId: 'listNotifications',
    summary: "The caller's notifications, newest first (?unread=true for unread only), with the unread count",
    tags: ['notifications'],
    access: 'authenticated',
    query: ListNotificationsQuery,
    response: NotificationList,
    handler: async (ctx) => {
      const page = await listNotifications(ctx.state.actor, ctx.state.query);
      return {
        items: page.items.map(toNotificationView),
        nextCursor: page.nextCursor,
        unreadCount: page.unreadCount,
      };
    },
  }),
  route({
    method: 'GET',
    path: '/notifications/unread-count',
    operationId: 'countUnreadNotifications',
    summary: "How many of the caller's notifications are unread",
    tags: ['notifications'],
    access: 'authenticated',
    response: UnreadCount,
    handler: async (ctx) => ({ count: await countUnread(ctx.state.actor) }),
  }),
  route({
    method: 'POST',
    path: '/notifications/read-all',
    operationId: 'markAllNotificationsRead',
    summary: "Mark all the caller's notifications read",
    tags: ['notifications'],
    access: 'authenticated',
    body: EmptyBody,
    response: ReadAll,
    handler: async (ctx) => markAllNotificationsRead(ctx.state.actor),
  }),
  route({
    method: 'POST',
    path: '/notifications/:id/read',
    operationId: 'markNotificationRead',
    summary: 'Mark one of the caller’s notifications read',
    tags: ['notifications'],
    access: 'authenticated',
    params: IdParams,
    body: EmptyBody,
    response: Notification,
    handler: async (ctx) =>
      toNotificationView(await markNotificationRead(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'POST',
    path: '/notifications',
    errors: [notFound('user')],
    operationId: 'sendNotification',
    summary: 'Send a notification to one user or to every active user of a role (delivered by a job)',
    tags: ['notifications'],
    access: ['admin'],
    status: 202,
    body: SendNotificationInput,
    response: Broadcast,
    handler: async (ctx) => presentBroadcast(await sendNotification(ctx.state.actor, ctx.state.body)),
  }),
]);
