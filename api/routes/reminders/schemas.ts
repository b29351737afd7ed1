import { REMINDER_CHANNELS } from '../../../domain/reminders/channels/index.js';
import { REMINDER_STATUSES } from '../../../domain/reminders/reminder.js';
import { dateTime, listOf, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const channelName = { type: 'string', enum: Object.keys(REMINDER_CHANNELS) };

export const reminderSchema = {
  type: 'object',
  required: [
    'id',
    'patientId',
    'message',
    'dueAt',
    'channels',
    'status',
    'sentAt',
    'cancelledAt',
    'createdAt',
  ],
  properties: {
    id: uuid,
    patientId: uuid,
    message: { type: 'string' },
    dueAt: dateTime,
    channels: { type: 'array', items: channelName },
    status: { type: 'string', enum: [...REMINDER_STATUSES] },
    sentAt: { type: ['string', 'null'], format: 'date-time' },
    cancelledAt: { type: ['string', 'null'], format: 'date-time' },
    createdBy: { type: ['string', 'null'], format: 'uuid' },
    createdAt: dateTime,
  },
};

export const createReminderBody = objectSchema(
  {
    patientId: uuid,
    message: { type: 'string', minLength: 1, maxLength: 2000, pattern: '\\S' },
    dueAt: dateTime,
    channels: { type: 'array', items: channelName, minItems: 1, maxItems: 10, uniqueItems: true },
  },
  ['patientId', 'message', 'dueAt'],
);

export const listRemindersQuery = objectSchema({
  patientId: uuid,
  status: { type: 'string', enum: [...REMINDER_STATUSES] },
  ...pageQueryProps,
});

export const reminderListSchema = listOf(reminderSchema);
