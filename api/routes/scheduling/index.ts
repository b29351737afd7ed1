import {
  getDoctorAvailability,
  putDoctorAvailability,
} from '../../../domain/scheduling/doctor-availability.js';
import { listFreeSlots } from '../../../domain/scheduling/free-slots.js';
import { listNextFreeSlots } from '../../../domain/scheduling/next-free-slots.js';
import {
  Availability,
  ListDoctorSlotsQuery,
  ListNextFreeSlotsQuery,
} from '../../../domain/scheduling/schemas.js';
import { IdParams } from '../../../lib/schema.js';
import { services } from '../../../lib/services.js';
import { resolveRange } from '../../../lib/time-range.js';
import { defineRoutes, route } from '../../route.js';
import { slotListJson } from './present.js';
import { DoctorSlotList, SlotList } from './schemas.js';

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
      const { timeZone, slotMinutes, starts } = await listFreeSlots(ctx.state.params.id, ctx.state.query);
      ctx.type = 'application/json';
      ctx.body = slotListJson(starts, slotMinutes, timeZone);
      return undefined;
    },
  }),
  route({
    method: 'GET',
    path: '/slots',
    operationId: 'listNextFreeSlots',
    summary:
      'First free slots across the active doctors of a specialization, ordered by time (at most 31 days; default from now; plain dates are days in the clinic zone)',
    tags: ['scheduling'],
    access: 'authenticated',
    query: ListNextFreeSlotsQuery,
    response: DoctorSlotList,
    handler: async (ctx) => {
      const q = ctx.state.query;
      const { from, to } = resolveRange(q, services().config.clinicTimeZone);
      const page = await listNextFreeSlots({
        specialization: q.specialization,
        from,
        to,
        limit: q.limit,
        cursor: q.cursor,
      });
      return {
        items: page.items.map((s) => ({
          doctorId: s.doctorId,
          startsAt: s.startsAt.toISOString(),
          endsAt: s.endsAt.toISOString(),
        })),
        nextCursor: page.nextCursor,
      };
    },
  }),
]);
