/** Response shapes of the reminders routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateTime, ListOf, Nullable, StringEnum, Type, Uuid, type Static } from '../../../lib/schema.js';
import { DEFAULT_REMINDER_CHANNELS } from '../../../domain/reminders/channels/index.js';
import { REMINDER_STATUSES } from '../../../domain/reminders/reminder.js';

export const Reminder = Type.Object({
  id: Uuid,
  patientId: Uuid,
  message: Type.String(),
  dueAt: DateTime,
  channels: Type.Array(StringEnum(DEFAULT_REMINDER_CHANNELS)),
  status: StringEnum(REMINDER_STATUSES),
  sentAt: Nullable(DateTime),
  cancelledAt: Nullable(DateTime),
  createdBy: Type.Optional(Nullable(Uuid)),
  createdAt: DateTime,
});
export type Reminder = Static<typeof Reminder>;

export const ReminderList = ListOf(Reminder);
export type ReminderList = Static<typeof ReminderList>;
