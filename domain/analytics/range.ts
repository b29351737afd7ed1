/**
 * The reporting window and its buckets. Plain dates mean whole days in the clinic's time zone
 * (`from=2026-12-01&to=2026-12-01` is all of 1 December); date-times are exact instants and `to` is
 * exclusive. Buckets are calendar days, ISO weeks (Monday) or months of the clinic's zone, so a
 * Berlin day in which clocks go back has 25 hours and is still one bucket.
 */
import { DateTime } from 'luxon';
import { ForbiddenError, ValidationError } from '../../lib/errors.js';
import { isAdmin, type Actor } from '../auth/actor.js';

import { type Interval, type SummaryQuery } from './schemas.js';

export { INTERVALS, type Interval, type SummaryQuery } from './schemas.js';

/** Most buckets one summary answers (about three years of days). */
export const MAX_BUCKETS = 1100;

export interface ReportRange {
  from: Date;
  to: Date;
  interval: Interval;
  timeZone: string;
  /** Bucket labels (local start date, `YYYY-MM-DD`) in order. */
  periods: string[];
  doctorId: string | null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function parseBound(value: string, zone: string, end: boolean, path: string): DateTime {
  const dt = DATE_ONLY.test(value)
    ? DateTime.fromISO(value, { zone })
        .plus({ days: end ? 1 : 0 })
        .startOf('day')
    : DateTime.fromISO(value, { setZone: true });
  if (!dt.isValid)
    throw new ValidationError('The range is invalid.', [
      { path, message: 'is not a valid date or date-time' },
    ]);
  return dt;
}

/**
 * Resolves the query into instants and bucket labels, and decides whose figures the caller may
 * see: admins anything (optionally one doctor); a doctor their own figures only (another doctor's
 * id is 403; no id means their own). 400 when `from` is not before `to` or the range has more than
 * {@link MAX_BUCKETS} buckets.
 */
export function resolveRange(actor: Actor, q: SummaryQuery, timeZone: string): ReportRange {
  let doctorId = q.doctorId ?? null;
  if (!isAdmin(actor)) {
    if (actor.role !== 'doctor') throw new ForbiddenError();
    if (doctorId && doctorId !== actor.userId)
      throw new ForbiddenError('forbidden', 'A doctor may read only their own figures.');
    doctorId = actor.userId;
  }
  const interval = q.interval ?? 'month';
  const from = parseBound(q.from, timeZone, false, '/from');
  const to = parseBound(q.to, timeZone, true, '/to');
  if (from.toMillis() >= to.toMillis())
    throw new ValidationError('The range is empty.', [{ path: '/to', message: 'must be after from' }]);
  const periods: string[] = [];
  const end = to.toMillis();
  for (
    let b = from.setZone(timeZone).startOf(interval === 'week' ? 'week' : interval);
    b.toMillis() < end;
    b = b.plus({ [`${interval}s`]: 1 }).startOf(interval === 'week' ? 'week' : interval)
  ) {
    periods.push(b.toISODate()!);
    if (periods.length > MAX_BUCKETS)
      throw new ValidationError('The range is too large.', [
        { path: '/from', message: `must give at most ${MAX_BUCKETS} ${interval} buckets` },
      ]);
  }
  return { from: from.toJSDate(), to: to.toJSDate(), interval, timeZone, periods, doctorId };
}

/**
 * `date_trunc` of a timestamptz column into the clinic zone's bucket (a local timestamp). Queries
 * group by this and format the label afterwards, once per bucket rather than once per row.
 */
export const bucketSql = (column: string): string => `date_trunc(:interval, ${column} at time zone :tz)`;

/** The `YYYY-MM-DD` label of a bucket expression. */
export const labelSql = (bucket: string): string => `to_char(${bucket}, 'YYYY-MM-DD')`;

/** A ratio rounded to 4 decimals (0 when the denominator is 0). */
export const ratio = (n: number, d: number): number => (d > 0 ? Math.round((n / d) * 10_000) / 10_000 : 0);

/** Fills a series with zero rows for buckets without data, in bucket order. */
export function fillSeries<T extends object>(
  periods: string[],
  rows: Map<string, T>,
  zero: () => T,
): ({ period: string } & T)[] {
  return periods.map((period) => ({ period, ...(rows.get(period) ?? zero()) }));
}
