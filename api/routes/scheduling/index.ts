import {
  getDoctorAvailability,
  putDoctorAvailability,
} from '../../../domain/scheduling/doctor-availability.js';
import { listFreeSlots } from '../../../domain/scheduling/free-slots.js';
import { defineRoutes, route } from '../../route.js';
import { IdParams } from '../../../lib/schema.js';
import { SlotList } from './schemas.js';
import { Availability, ListDoctorSlotsQuery } from '../../../domain/scheduling/schemas.js';

export const schedulingRoutes = defineRoutes([
  route({
    method: 'GET',
    path: '/doctors/:id/availability',
    operationId: 'getDoctorAvailability',
    summary: "A doctor's visiting hours, overrides and slot rules",
    tags: ['scheduling'],
    access: 'authenticated',
    params: IdParams,
    response: Availability,
    handler: (ctx) => getDoctorAvailability(ctx.state.actor, ctx.state.params.id),
  }),
  route({
    method: 'PUT',
    path: '/doctors/:id/availability',
    operationId: 'putDoctorAvailability',
    summary: "Replace a doctor's availability (the doctor themself, or an admin)",
    tags: ['scheduling'],
    access: ['doctor', 'admin'],
    params: IdParams,
    body: Availability,
    response: Availability,
    handler: (ctx) => putDoctorAvailability(ctx.state.actor, ctx.state.params.id, ctx.state.body),
  }),
  route({
    method: 'GET',
    path: '/doctors/:id/slots',
    operationId: 'listDoctorSlots',
    summary:
      "Free slots of a doctor in [from, to): date-times, or plain dates meaning whole days in the doctor's zone (at most 31 days; default the next 7 days)",
    tags: ['scheduling'],
    access: 'authenticated',
    params: IdParams,
    query: ListDoctorSlotsQuery,
    response: SlotList,
    handler: async (ctx) => {
      const { timeZone, slots } = await listFreeSlots(ctx.state.params.id, ctx.state.query);
      return {
        items: slots.map((s) => ({ startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() })),
        nextCursor: null,
        timeZone,
      };
    },
  }),
]);
