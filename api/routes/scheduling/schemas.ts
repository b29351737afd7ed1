/** JSON Schemas of the availability and slot routes (shapes from SPEC "Availability" and "Slot"). */
import { AVAILABILITY_LIMITS } from '../../../domain/scheduling/availability.js';
import { dateTime, listOf, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

// Shapes only: the rules (known zone, HH:MM times, no overlaps, one override per date) are checked by
// validateAvailability, whose messages name the offending range.
const time = { type: 'string', maxLength: 5, examples: ['09:00'] } as const;
const range = objectSchema({ start: time, end: time }, ['start', 'end']);
const limit = (k: keyof typeof AVAILABILITY_LIMITS) => ({
  type: 'integer',
  minimum: AVAILABILITY_LIMITS[k].min,
  maximum: AVAILABILITY_LIMITS[k].max,
});

const availabilityProps = {
  timeZone: { type: 'string', minLength: 1, maxLength: 64, examples: ['Europe/Berlin'] },
  slotMinutes: limit('slotMinutes'),
  bufferMinutes: { ...limit('bufferMinutes'), default: 0 },
  minNoticeMinutes: { ...limit('minNoticeMinutes'), default: 0 },
  horizonDays: { ...limit('horizonDays'), default: 90 },
  weekly: {
    type: 'array',
    maxItems: 200,
    items: objectSchema({ weekday: { type: 'integer', minimum: 1, maximum: 7 }, start: time, end: time }, [
      'weekday',
      'start',
      'end',
    ]),
  },
  overrides: {
    type: 'array',
    maxItems: 1000,
    default: [],
    items: objectSchema(
      {
        date: { type: 'string', maxLength: 10, examples: ['2026-12-24'] },
        closed: { type: 'boolean' },
        ranges: { type: 'array', maxItems: 48, items: range },
      },
      ['date'],
    ),
  },
};

/** Body of `PUT /doctors/:id/availability`: the whole availability (omitted settings take their defaults). */
export const availabilityBody = objectSchema(availabilityProps, ['timeZone', 'slotMinutes', 'weekly']);

/** A doctor's availability as returned. */
export const availabilitySchema = objectSchema(availabilityProps, Object.keys(availabilityProps));

/** `?from=&to=` of the slot listing. */
export const slotsQuery = objectSchema({ from: dateTime, to: dateTime });

export const slotSchema = objectSchema({ startsAt: dateTime, endsAt: dateTime }, ['startsAt', 'endsAt']);

export const slotListSchema = objectSchema(
  {
    items: { type: 'array', items: slotSchema },
    nextCursor: { type: 'null' },
    timeZone: { type: 'string' },
  },
  ['items', 'nextCursor', 'timeZone'],
);

/** `?specialization=&from=&to=&limit=&cursor=` of the search across doctors. */
export const nextSlotsQuery = objectSchema({
  specialization: { type: 'string', minLength: 1, maxLength: 100 },
  from: dateTime,
  to: dateTime,
  ...pageQueryProps,
});

/** First free slots across doctors, ordered by time. */
export const doctorSlotListSchema = listOf(
  objectSchema({ doctorId: uuid, startsAt: dateTime, endsAt: dateTime }, ['doctorId', 'startsAt', 'endsAt']),
);
