/** Response shapes of the notifications routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import {
  DateTime,
  Nullable,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../../lib/schema.js';
import { ROLES } from '../../../domain/auth/actor.js';
import { NOTIFICATION_TYPES } from '../../../domain/notifications/notification.js';

export const Broadcast = Type.Object({
  id: Uuid,
  userId: Type.Optional(Uuid),
  role: Type.Optional(StringEnum(ROLES)),
  type: StringEnum(['system', 'custom'] as const),
  title: Type.String(),
  email: Type.Boolean(),
  status: StringEnum(['queued', 'done'] as const),
  createdAt: DateTime,
});
export type Broadcast = Static<typeof Broadcast>;

export const Notification = Type.Object({
  id: Uuid,
  type: StringEnum(NOTIFICATION_TYPES),
  title: Type.String(),
  body: Nullable(Type.String()),
  data: Type.Record(Type.String(), Type.Unknown()),
  read: Type.Boolean(),
  readAt: Nullable(DateTime),
  createdAt: DateTime,
});
export type Notification = Static<typeof Notification>;

export const NotificationList = Type.Object({
  items: Type.Array(Notification),
  nextCursor: Nullable(Type.String()),
  unreadCount: Type.Integer({ minimum: 0 }),
});
export type NotificationList = Static<typeof NotificationList>;

export const ReadAll = StrictObject({
  updated: Type.Integer({ minimum: 0 }),
});
export type ReadAll = Static<typeof ReadAll>;

export const UnreadCount = StrictObject({
  count: Type.Integer({ minimum: 0 }),
});
export type UnreadCount = Static<typeof UnreadCount>;
