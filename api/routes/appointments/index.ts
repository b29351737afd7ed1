import { errorSpec, invalidTransition, notFound, type ErrorSpec } from '../../../lib/errors.js';
import type { Grant } from '../../../domain/auth/actor.js';
import type { AppointmentRow } from '../../../domain/appointments/appointment.js';
import { bookAppointment } from '../../../domain/appointments/book-appointment.js';
import { cancelAppointment } from '../../../domain/appointments/cancel-appointment.js';
import { completeAppointment, markNoShow } from '../../../domain/appointments/complete-appointment.js';
import { approveAppointment } from '../../../domain/appointments/confirm-appointment.js';
import { bookFollowUp } from '../../../domain/appointments/follow-up-appointment.js';
import {
  getAppointment,
  getAppointmentHistory,
  listAppointments,
} from '../../../domain/appointments/list-appointments.js';
import { rejectAppointment } from '../../../domain/appointments/reject-appointment.js';
import { rescheduleAppointment } from '../../../domain/appointments/reschedule-appointment.js';
import type { Actor } from '../../../domain/auth/actor.js';
import { defineRoutes, route, type RouteDef } from '../../route.js';
import { IdParams, ItemsOf, ListOf } from '../../../lib/schema.js';
import { presentAppointment, presentHistoryEntry } from './present.js';
import { Appointment, HistoryEntry } from './schemas.js';
import {
  BookAppointmentInput,
  ListAppointmentsQuery,
  NewTimeBody,
  ReasonBody,
} from '../../../domain/appointments/schemas.js';

/** A lifecycle action `POST /appointments/:id/<action>` with a reason-only body. */
function action(
  name: string,
  operationId: string,
  summary: string,
  access: readonly Grant[],
  run: (actor: Actor, id: string, reason?: string) => Promise<AppointmentRow>,
  errors: ErrorSpec[] = [],
): RouteDef {
  return route({
    method: 'POST',
    path: `/appointments/:id/${name}`,
    operationId,
    summary,
    tags: ['appointments'],
    access,
    params: IdParams,
    body: ReasonBody,
    response: Appointment,
    errors: [invalidTransition('appointment'), ...errors],
    handler: async (ctx) =>
      presentAppointment(await run(ctx.state.actor, ctx.state.params.id, ctx.state.body.reason)),
  });
}

export const appointmentsRoutes = defineRoutes([
  route({
    method: 'POST',
    path: '/appointments',
    errors: [
      notFound('doctor or patient'),
      errorSpec(409, 'slot_taken', 'The time is no longer free'),
      errorSpec(400, 'not_a_slot', 'The time is not on the grid of the doctor'),
    ],
    operationId: 'bookAppointment',
    summary: 'Book a free slot (a patient for themself; staff and admins for any patient)',
    tags: ['appointments'],
    access: ['patient', 'staff', 'admin'],
    status: 201,
    body: BookAppointmentInput,
    response: Appointment,
    handler: async (ctx) => presentAppointment(await bookAppointment(ctx.state.actor, ctx.state.body)),
  }),
  route({
    method: 'GET',
    path: '/appointments',
    operationId: 'listAppointments',
    summary: 'Appointments the caller may see (patient: own; doctor: theirs; nurse, staff, admin: all)',
    tags: ['appointments'],
    access: 'authenticated',
    query: ListAppointmentsQuery,
    response: ListOf(Appointment),
    handler: async (ctx) => {
      const page = await listAppointments(ctx.state.actor, ctx.state.query);
      return { items: page.items.map(presentAppointment), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'GET',
    path: '/appointments/:id',
    operationId: 'getAppointment',
    summary: 'One appointment',
    tags: ['appointments'],
    access: 'authenticated',
    params: IdParams,
    response: Appointment,
    handler: async (ctx) => presentAppointment(await getAppointment(ctx.state.actor, ctx.state.params.id)),
  }),
  route({
    method: 'GET',
    path: '/appointments/:id/history',
    operationId: 'getAppointmentHistory',
    summary: 'Status changes and reschedules of an appointment (who, when, from, to, why)',
    tags: ['appointments'],
    access: 'authenticated',
    params: IdParams,
    response: ItemsOf(HistoryEntry),
    handler: async (ctx) => ({
      items: (await getAppointmentHistory(ctx.state.actor, ctx.state.params.id)).map(presentHistoryEntry),
    }),
  }),
  action(
    'approve',
    'approveAppointment',
    'Confirm a pending appointment (paid first when the doctor charges a fee)',
    ['admin', 'appointment-manager'],
    approveAppointment,
    [errorSpec(409, 'payment_required', 'The doctor charges a fee: the appointment is confirmed once paid')],
  ),
  action(
    'reject',
    'rejectAppointment',
    'Reject a pending appointment',
    ['admin', 'appointment-manager'],
    rejectAppointment,
  ),
  action(
    'cancel',
    'cancelAppointment',
    'Cancel (the patient before the cut-off; staff and admins any time)',
    ['patient', 'staff', 'admin'],
    (a, id, r) => cancelAppointment(a, id, r),
    [errorSpec(409, 'cancellation_cutoff', 'Too close to the start for a patient to cancel')],
  ),
  action(
    'complete',
    'completeAppointment',
    'Mark a started, confirmed appointment completed (its doctor or staff)',
    ['doctor', 'staff', 'admin'],
    completeAppointment,
    [errorSpec(409, 'not_started', 'The appointment has not started yet')],
  ),
  action(
    'no-show',
    'markAppointmentNoShow',
    'Mark a started, confirmed appointment as a no-show (its doctor or staff)',
    ['doctor', 'staff', 'admin'],
    markNoShow,
    [errorSpec(409, 'not_started', 'The appointment has not started yet')],
  ),
  route({
    method: 'POST',
    path: '/appointments/:id/reschedule',
    errors: [
      errorSpec(409, 'cancellation_cutoff', 'Too close to the start for a patient to change it'),
      errorSpec(409, 'invalid_transition', 'Not allowed from the current status'),
      errorSpec(409, 'slot_taken', 'The time is no longer free'),
      errorSpec(400, 'not_a_slot', 'The time is not on the grid of the doctor'),
    ],
    operationId: 'rescheduleAppointment',
    summary: 'Move to another free slot of the same doctor (the patient before the cut-off, or staff)',
    tags: ['appointments'],
    access: ['patient', 'staff', 'admin'],
    params: IdParams,
    body: NewTimeBody,
    response: Appointment,
    handler: async (ctx) =>
      presentAppointment(await rescheduleAppointment(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
  route({
    method: 'POST',
    path: '/appointments/:id/follow-up',
    errors: [
      errorSpec(409, 'invalid_transition', 'Not allowed from the current status'),
      errorSpec(409, 'slot_taken', 'The time is no longer free'),
      errorSpec(400, 'not_a_slot', 'The time is not on the grid of the doctor'),
    ],
    operationId: 'bookFollowUpAppointment',
    summary: 'Book a follow-up of a confirmed or completed appointment (its doctor)',
    tags: ['appointments'],
    access: ['doctor'],
    status: 201,
    params: IdParams,
    body: NewTimeBody,
    response: Appointment,
    handler: async (ctx) =>
      presentAppointment(await bookFollowUp(ctx.state.actor, ctx.state.params.id, ctx.state.body)),
  }),
]);
