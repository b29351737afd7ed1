import type { Knex } from 'knex';

export const NOTIFICATION_TYPES = [
  'appointment',
  'reminder',
  'system',
  'custom',
  'medication',
  'payment',
  'review',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

export interface NotificationRow {
  id: string;
  userId: string;
  type: NotificationType;
  title: string;
  body: string | null;
  data: Record<string, unknown>;
  readAt: Date | null;
  createdAt: Date;
  /** `created_at` with microseconds, for keyset cursors (a JS Date keeps only milliseconds). */
  cursorAt?: string;
}

/** An in-app notification as its owner sees it. */
export interface NotificationView {
  id: string;
  type: NotificationType;
  title: string;
  body: string | null;
  data: Record<string, unknown>;
  read: boolean;
  readAt: string | null;
  createdAt: string;
}

/** The columns a notification is read with, including its exact cursor key. */
export function notificationColumns(knex: Knex | Knex.Transaction): (string | Knex.Raw)[] {
  return [
    'id',
    'userId',
    'type',
    'title',
    'body',
    'data',
    'readAt',
    'createdAt',
    knex.raw(`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`),
  ];
}

export function toNotificationView(row: NotificationRow): NotificationView {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    body: row.body,
    data: row.data ?? {},
    read: row.readAt !== null,
    readAt: row.readAt ? new Date(row.readAt).toISOString() : null,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}
