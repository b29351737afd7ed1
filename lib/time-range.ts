import { DateTime } from 'luxon';
import { services } from './services.js';

const PLAIN_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a validated `from`/`to` value is a plain date (a whole day) rather than an instant. */
export const isPlainDate = (value: string): boolean => PLAIN_DATE.test(value);

/**
 * The instant a range bound stands for. A date-time is itself; a plain date means that whole day in
 * `zone` (the zone that owns the data: the doctor's for slots, the clinic's for lists and analytics),
 * so `from=2026-12-01` is that day's first instant and `to=2026-12-01` the next day's first instant
 * (ranges are `[from, to)`), and `from=2026-12-01&to=2026-12-01` is all of 1 December — 23, 24 or
 * 25 hours long, as the zone's clock has it.
 */
export function rangeBound(value: string, zone: string, edge: 'from' | 'to'): Date {
  if (!isPlainDate(value)) return new Date(value);
  const day = DateTime.fromISO(value, { zone }).startOf('day');
  return (edge === 'to' ? day.plus({ days: 1 }) : day).toJSDate();
}

/** Both bounds of an optional range, resolved in `zone`. */
export function resolveRange(
  range: { from?: string; to?: string },
  zone: string,
): { from?: Date; to?: Date } {
  return {
    from: range.from === undefined ? undefined : rangeBound(range.from, zone, 'from'),
    to: range.to === undefined ? undefined : rangeBound(range.to, zone, 'to'),
  };
}

/** A bound of a list's time filter: plain dates are days in the clinic's zone (CLINIC_TIME_ZONE). */
export function clinicRangeBound(value: string, edge: 'from' | 'to'): Date {
  return rangeBound(value, services().config.clinicTimeZone, edge);
}
