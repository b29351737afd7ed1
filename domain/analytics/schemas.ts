/** Input shape of the three summaries. */
import { DateOrDateTime, StrictObject, StringEnum, Type, Uuid, type Static } from '../../lib/schema.js';

export const INTERVALS = ['day', 'week', 'month'] as const;
export type Interval = (typeof INTERVALS)[number];

export const SummaryQuery = StrictObject({
  /** A plain date is that whole day in CLINIC_TIME_ZONE; a date-time is an exact instant. */
  from: DateOrDateTime,
  /** A plain date includes that whole day; a date-time is exclusive. */
  to: DateOrDateTime,
  interval: Type.Optional(StringEnum(INTERVALS, { default: 'month' })),
  doctorId: Type.Optional(Uuid),
});
export type SummaryQuery = Static<typeof SummaryQuery>;
