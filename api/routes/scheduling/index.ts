import type { Availability } from '../../../domain/scheduling/availability.js';
import {
  getDoctorAvailability,
  putDoctorAvailability,
} from '../../../domain/scheduling/doctor-availability.js';
import { listFreeSlots } from '../../../domain/scheduling/free-slots.js';
import { defineRoutes } from '../../route.js';
import { idParams } from '../../schemas.js';
import { availabilityBody, availabilitySchema, slotListSchema, slotsQuery } from './schemas.js';

export const schedulingRoutes = defineRoutes([
  {
    method: 'GET',
    path: '/doctors/:id/availability',
    operationId: 'getDoctorAvailability',
    summary: "A doctor's visiting hours, overrides and slot rules",
    tags: ['scheduling'],
    access: 'authenticated',
    params: idParams,
    response: availabilitySchema,
    handler: (ctx) => getDoctorAvailability(ctx.state.actor!, ctx.state.params.id as string),
  },
  {
    method: 'PUT',
    path: '/doctors/:id/availability',
    operationId: 'putDoctorAvailability',
    summary: "Replace a doctor's availability (the doctor themself, or an admin)",
    tags: ['scheduling'],
    access: ['doctor', 'admin'],
    params: idParams,
    body: availabilityBody,
    response: availabilitySchema,
    handler: (ctx) =>
      putDoctorAvailability(ctx.state.actor!, ctx.state.params.id as string, ctx.state.body as Availability),
  },
  {
    method: 'GET',
    path: '/doctors/:id/slots',
    operationId: 'listDoctorSlots',
    summary: 'Free slots of a doctor in [from, to) (UTC; at most 31 days; default the next 7 days)',
    tags: ['scheduling'],
    access: 'authenticated',
    params: idParams,
    query: slotsQuery,
    response: slotListSchema,
    handler: async (ctx) => {
      const q = ctx.state.query as { from?: string; to?: string };
      const { timeZone, slots } = await listFreeSlots(ctx.state.params.id as string, {
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      });
      return {
        items: slots.map((s) => ({ startsAt: s.startsAt.toISOString(), endsAt: s.endsAt.toISOString() })),
        nextCursor: null,
        timeZone,
      };
    },
  },
]);
