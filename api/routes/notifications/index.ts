import {
  countUnread,
  listNotifications,
  type ListNotificationsInput,
} from '../../../domain/notifications/list-notifications.js';
import { markAllNotificationsRead, markNotificationRead } from '../../../domain/notifications/mark-read.js';
import { toNotificationView } from '../../../domain/notifications/notification.js';
import {
  sendNotification,
  type BroadcastRow,
  type SendNotificationInput,
} from '../../../domain/notifications/send-notification.js';
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';
import {
  broadcastSchema,
  listNotificationsQuery,
  notificationListSchema,
  notificationSchema,
  readAllSchema,
  sendNotificationBody,
  unreadCountSchema,
} from './schemas.js';

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
  {
    method: 'GET',
    path: '/notifications',
    operationId: 'listNotifications',
    summary: "The caller's notifications, newest first (?unread=true for unread only), with the unread count",
    tags: ['notifications'],
    access: 'authenticated',
    query: listNotificationsQuery,
    response: notificationListSchema,
    handler: async (ctx) => {
      const page = await listNotifications(
        ctx.state.actor!,
        ctx.state.query as unknown as ListNotificationsInput,
      );
      return {
        items: page.items.map(toNotificationView),
        nextCursor: page.nextCursor,
        unreadCount: page.unreadCount,
      };
    },
  },
  {
    method: 'GET',
    path: '/notifications/unread-count',
    operationId: 'countUnreadNotifications',
    summary: "How many of the caller's notifications are unread",
    tags: ['notifications'],
    access: 'authenticated',
    response: unreadCountSchema,
    handler: async (ctx) => ({ count: await countUnread(ctx.state.actor!) }),
  },
  {
    method: 'POST',
    path: '/notifications/read-all',
    operationId: 'markAllNotificationsRead',
    summary: "Mark all the caller's notifications read",
    tags: ['notifications'],
    access: 'authenticated',
    body: { type: 'object', additionalProperties: false },
    response: readAllSchema,
    handler: async (ctx) => markAllNotificationsRead(ctx.state.actor!),
  },
  {
    method: 'POST',
    path: '/notifications/:id/read',
    operationId: 'markNotificationRead',
    summary: 'Mark one of the caller’s notifications read',
    tags: ['notifications'],
    access: 'authenticated',
    params: idParams,
    body: { type: 'object', additionalProperties: false },
    response: notificationSchema,
    handler: async (ctx) =>
      toNotificationView(await markNotificationRead(ctx.state.actor!, ctx.state.params.id as string)),
  },
  {
    method: 'POST',
    path: '/notifications',
    operationId: 'sendNotification',
    summary: 'Send a notification to one user or to every active user of a role (delivered by a job)',
    tags: ['notifications'],
    access: ['admin'],
    status: 202,
    body: sendNotificationBody,
    response: broadcastSchema,
    handler: async (ctx) =>
      presentBroadcast(await sendNotification(ctx.state.actor!, ctx.state.body as SendNotificationInput)),
  },
]);
