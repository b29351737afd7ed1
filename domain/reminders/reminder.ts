export const REMINDER_STATUSES = ['scheduled', 'sent', 'cancelled'] as const;
import { Type, type Static, Uuid } from '../../lib/schema.js';

export const SendCustomReminderPayload = Type.Object({ reminderId: Uuid });
export type SendCustomReminderPayload = Static<typeof SendCustomReminderPayload>;

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_custom_reminder: Static<typeof SendCustomReminderPayload>;
    }
  }
}

export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

export interface ReminderRow {
  id: string;
  patientId: string;
  createdBy: string | null;
  message: string;
  dueAt: Date;
  channels: string[];
  status: ReminderStatus;
  sentAt: Date | null;
  cancelledAt: Date | null;
  createdAt: Date;
  /** `due_at` with microseconds, for keyset cursors. */
  cursorAt?: string;
}

/** A custom reminder as clients see it. */
export interface ReminderView {
  id: string;
  patientId: string;
  message: string;
  dueAt: string;
  channels: string[];
  status: ReminderStatus;
  sentAt: string | null;
  cancelledAt: string | null;
  createdBy: string | null;
  createdAt: string;
}

const iso = (v: Date | null): string | null => (v ? new Date(v).toISOString() : null);

export function toReminderView(row: ReminderRow): ReminderView {
  return {
    id: row.id,
    patientId: row.patientId,
    message: row.message,
    dueAt: iso(row.dueAt)!,
    channels: row.channels,
    status: row.status,
    sentAt: iso(row.sentAt),
    cancelledAt: iso(row.cancelledAt),
    createdBy: row.createdBy,
    createdAt: iso(row.createdAt)!,
  };
}

/** The job that delivers a reminder, one per reminder. */
export const reminderJobKey = (id: string): string => `send_custom_reminder:${id}`;
