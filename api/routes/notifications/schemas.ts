import { ROLES } from '../../../domain/auth/actor.js';
import { NOTIFICATION_TYPES } from '../../../domain/notifications/notification.js';
import { dateTime, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

export const notificationSchema = {
  type: 'object',
  required: ['id', 'type', 'title', 'body', 'data', 'read', 'readAt', 'createdAt'],
  properties: {
    id: uuid,
    type: { type: 'string', enum: [...NOTIFICATION_TYPES] },
    title: { type: 'string' },
    body: { type: ['string', 'null'] },
    data: { type: 'object' },
    read: { type: 'boolean' },
    readAt: { type: ['string', 'null'], format: 'date-time' },
    createdAt: dateTime,
  },
};

export const listNotificationsQuery = objectSchema({
  unread: { type: 'boolean', default: false },
  ...pageQueryProps,
});

export const notificationListSchema = {
  type: 'object',
  required: ['items', 'nextCursor', 'unreadCount'],
  properties: {
    items: { type: 'array', items: notificationSchema },
    nextCursor: { type: ['string', 'null'] },
    unreadCount: { type: 'integer', minimum: 0 },
  },
};

export const unreadCountSchema = objectSchema({ count: { type: 'integer', minimum: 0 } }, ['count']);
export const readAllSchema = objectSchema({ updated: { type: 'integer', minimum: 0 } }, ['updated']);

export const sendNotificationBody = objectSchema(
  {
    userId: uuid,
    role: { type: 'string', enum: [...ROLES] },
    title: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    body: { type: 'string', minLength: 1, maxLength: 5000, pattern: '\\S' },
    type: { type: 'string', enum: ['system', 'custom'] },
    email: { type: 'boolean' },
  },
  ['title', 'body'],
);

export const broadcastSchema = {
  type: 'object',
  required: ['id', 'type', 'title', 'status', 'email', 'createdAt'],
  properties: {
    id: uuid,
    userId: uuid,
    role: { type: 'string', enum: [...ROLES] },
    type: { type: 'string', enum: ['system', 'custom'] },
    title: { type: 'string' },
    email: { type: 'boolean' },
    status: { type: 'string', enum: ['queued', 'done'] },
    createdAt: dateTime,
  },
};
