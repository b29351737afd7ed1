import type { Availability } from '../../../domain/scheduling/availability.js';
import {
  getDoctorAvailability,
  putDoctorAvailability,
} from '../../../domain/scheduling/doctor-availability.js';
import { listFreeSlots } from '../../../domain/scheduling/free-slots.js';
import { listNextFreeSlots } from '../../../domain/scheduling/next-free-slots.js';
import { ValidationError } from '../../../lib/errors.js';
import { defineRoutes } from '../../route.js';
import { slotListJson } from './present.js';
import { idParams } from '../../schemas.js';
import {
  availabilityBody,
  availabilitySchema,
  doctorSlotListSchema,
  nextSlotsQuery,
  slotListSchema,
  slotsQuery,
} from './schemas.js';

/**
 * The instant of a validated `date-time` query value. RFC 3339 allows a leap second (`23:59:60Z`)
 * that JavaScript dates cannot hold; such a value is a 400 here rather than an invalid Date later.
 */
function queryInstant(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) {
    throw new ValidationError('The request is invalid.', [
      { path: `/query/${name}`, message: 'must be a date-time without a leap second' },
    ]);
  }
  return d;
}

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
      const { timeZone, slotMinutes, starts } = await listFreeSlots(ctx.state.params.id as string, {
        from: queryInstant(q.from, 'from'),
        to: queryInstant(q.to, 'to'),
      });
      ctx.type = 'application/json';
      ctx.body = slotListJson(starts, slotMinutes, timeZone);
      return undefined;
    },
  },
  {
    method: 'GET',
    path: '/slots',
    operationId: 'listNextFreeSlots',
    summary:
      'First free slots across the active doctors of a specialization, ordered by time (at most 31 days; default from now)',
    tags: ['scheduling'],
    access: 'authenticated',
    query: nextSlotsQuery,
    response: doctorSlotListSchema,
    handler: async (ctx) => {
      const q = ctx.state.query as {
        specialization?: string;
        from?: string;
        to?: string;
        limit?: number;
        cursor?: string;
      };
      const page = await listNextFreeSlots({
        specialization: q.specialization,
        from: queryInstant(q.from, 'from'),
        to: queryInstant(q.to, 'to'),
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
  },
]);
