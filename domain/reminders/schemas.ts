/** Input shapes of reminders (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateTime,
  PageQueryProps,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';
import { DEFAULT_REMINDER_CHANNELS } from './channels/index.js';
import { REMINDER_STATUSES } from './reminder.js';

export const CreateReminderInput = StrictObject({
  patientId: Uuid,
  message: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S' }),
  dueAt: DateTime,
  channels: Type.Optional(
    Type.Array(StringEnum(DEFAULT_REMINDER_CHANNELS), { minItems: 1, maxItems: 10, uniqueItems: true }),
  ),
});
export type CreateReminderInput = Static<typeof CreateReminderInput>;

export const ListRemindersQuery = StrictObject({
  patientId: Type.Optional(Uuid),
  status: Type.Optional(StringEnum(REMINDER_STATUSES)),
  ...PageQueryProps,
});
export type ListRemindersQuery = Static<typeof ListRemindersQuery>;
