/** Input shapes of scheduling (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOnly,
  DateOrDateTime,
  PageQueryProps,
  SingleLine,
  StrictObject,
  TimeOfDay,
  TimeOfDayEnd,
  TimeZone,
  Type,
  type Static,
} from '../../lib/schema.js';

export const TimeRange = StrictObject({ start: TimeOfDay, end: TimeOfDayEnd });
export type TimeRange = Static<typeof TimeRange>;

export const WeeklyRange = StrictObject({
  weekday: Type.Integer({ minimum: 1, maximum: 7, description: '1 = Monday … 7 = Sunday' }),
  start: TimeOfDay,
  end: TimeOfDayEnd,
});
export type WeeklyRange = Static<typeof WeeklyRange>;

export const AvailabilityOverride = StrictObject({
  date: DateOnly,
  closed: Type.Optional(Type.Boolean()),
  ranges: Type.Optional(Type.Array(TimeRange, { maxItems: 48 })),
});
export type AvailabilityOverride = Static<typeof AvailabilityOverride>;

/**
 * A doctor's availability, as stored, as sent and as answered (SPEC shape "Availability"). Fields
 * with a default may be left out by clients: the validator fills them in, so the type has them all.
 */
export const Availability = StrictObject({
  timeZone: Type.Unsafe<string>({
    ...TimeZone,
    description: 'IANA zone; all times below are wall-clock times in it',
  }),
  slotMinutes: Type.Integer({ minimum: 5, maximum: 480 }),
  bufferMinutes: Type.Integer({
    minimum: 0,
    maximum: 240,
    default: 0,
    description: 'Free time kept before and after every appointment',
  }),
  minNoticeMinutes: Type.Integer({
    minimum: 0,
    maximum: 43200,
    default: 0,
    description: 'How far ahead of now the earliest bookable slot must start',
  }),
  horizonDays: Type.Integer({
    minimum: 1,
    maximum: 365,
    default: 90,
    description: 'How many days ahead of now slots are offered',
  }),
  weekly: Type.Array(WeeklyRange, { maxItems: 200 }),
  overrides: Type.Array(AvailabilityOverride, { maxItems: 1000, default: [] }),
});
export type Availability = Static<typeof Availability>;

/** `from`/`to` of slot listings: date-times, or plain dates meaning whole days in the doctor's zone. */
export const ListDoctorSlotsQuery = StrictObject({
  from: Type.Optional(DateOrDateTime),
  to: Type.Optional(DateOrDateTime),
});
export type ListDoctorSlotsQuery = Static<typeof ListDoctorSlotsQuery>;

/**
 * `GET /slots`: the first free slots across the active doctors of a specialization. Plain-date
 * bounds are whole days in CLINIC_TIME_ZONE (the search spans doctors in several zones).
 */
export const ListNextFreeSlotsQuery = StrictObject({
  specialization: Type.Optional(SingleLine(100)),
  from: Type.Optional(DateOrDateTime),
  to: Type.Optional(DateOrDateTime),
  ...PageQueryProps,
});
export type ListNextFreeSlotsQuery = Static<typeof ListNextFreeSlotsQuery>;
