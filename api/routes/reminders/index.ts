import { errorSpec, notFound } from '../../../lib/errors.js';
import { cancelReminder } from '../../../domain/reminders/cancel-reminder.js';
import { createReminder } from '../../../domain/reminders/create-reminder.js';
import { listReminders } from '../../../domain/reminders/list-reminders.js';
import { toReminderView } from '../../../domain/reminders/reminder.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams } from '../../../lib/schema.js';
import { Reminder, ReminderList } from './schemas.js';
import { CreateReminderInput, ListRemindersQuery } from '../../../domain/reminders/schemas.js';

// Reminders are between the care team and the patient; admins use notifications instead.
const access = ['patient', 'doctor', 'nurse', 'staff'] as const;

/** Custom reminders: a message for a patient, delivered on its channels at its due time. */
export const remindersRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/reminders',
    errors: [notFound('patient')],
    operationId: 'createReminder',
    summary: 'Schedule a custom reminder for a patient (email and in-app by default)',
    tags: ['reminders'],
    access,
    status: 201,
    body: CreateReminderInput,
    response: Reminder,
    handler: async (ctx) => toReminderView(await createReminder(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/reminders',
    errors: [notFound('patient')],
    operationId: 'listReminders',
    summary: 'Reminders of the patients the caller reaches, by due time',
    tags: ['reminders'],
    access,
    query: ListRemindersQuery,
    response: ReminderList,
    handler: async (ctx) => {
      const page = await listReminders(ctx.state.actor, ctx.state.query);
      return { items: page.items.map(toReminderView), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'DELETE',
    path: '/reminders/:id',
    errors: [errorSpec(409, 'invalid_transition', 'Not allowed from the current status')],
    operationId: 'cancelReminder',
    summary: 'Cancel a scheduled reminder (its job is removed)',
    tags: ['reminders'],
    access,
    status: 204,
    params: IdParams,
    handler: async (ctx) => {
      await cancelReminder(ctx.state.actor, ctx.state.params.id);
    },
  }),
]);
