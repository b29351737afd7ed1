/**
 * A doctor's bookable hours and slot rules, and the checks a submitted availability must pass.
 *
 * Times are wall-clock times in the doctor's own time zone so that "09:00" means 09:00 for the
 * doctor all year round, whatever the UTC offset on that day.
 */
import { DateTime } from 'luxon';
import { isValidTimeZone } from '../../lib/time-zones.js';

import type { Availability, AvailabilityOverride, TimeRange, WeeklyRange } from './schemas.js';

export type { Availability, AvailabilityOverride, TimeRange, WeeklyRange };

/** One reason an availability is invalid; `path` is a JSON pointer into the submitted body. */
export interface AvailabilityProblem {
  path: string;
  message: string;
}

/** Inclusive bounds of the numeric settings; exported so API schemas and docs can quote them. */
export const AVAILABILITY_LIMITS = {
  slotMinutes: { min: 5, max: 480 },
  bufferMinutes: { min: 0, max: 240 },
  minNoticeMinutes: { min: 0, max: 43200 },
  horizonDays: { min: 1, max: 365 },
} as const;

/**
 * Returns a fresh availability in `timeZone` with no bookable hours and the default slot rules.
 *
 * A new object each call, so a caller that fills it in cannot change the defaults for others.
 */
export function DEFAULT_AVAILABILITY(timeZone: string): Availability {
  return {
    timeZone,
    slotMinutes: 30,
    bufferMinutes: 0,
    minNoticeMinutes: 0,
    horizonDays: 90,
    weekly: [],
    overrides: [],
  };
}

const MINUTES_PER_DAY = 24 * 60;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Minutes after local midnight for `"HH:MM"`, or `undefined` if malformed.
 *
 * `"24:00"` is accepted (as 1440) only where `allowEndOfDay` is set, so that hours can run up to
 * midnight; without it the last slot of such a day could never be offered.
 */
export function parseTimeOfDay(value: unknown, allowEndOfDay = false): number | undefined {
  if (typeof value !== 'string') return undefined;
  if (allowEndOfDay && value === '24:00') return MINUTES_PER_DAY;
  // /^([01]\d|2[0-3]):([0-5]\d)$/ by character codes: slot listing parses every range of every date.
  if (value.length !== 5 || value.charCodeAt(2) !== 58) return undefined;
  const h1 = value.charCodeAt(0) - 48;
  const h2 = value.charCodeAt(1) - 48;
  const m1 = value.charCodeAt(3) - 48;
  const m2 = value.charCodeAt(4) - 48;
  if (h1 < 0 || h1 > 2 || h2 < 0 || h2 > 9 || m1 < 0 || m1 > 5 || m2 < 0 || m2 > 9) return undefined;
  const hours = h1 * 10 + h2;
  return hours <= 23 ? hours * 60 + m1 * 10 + m2 : undefined;
}

/** True iff `value` is a real calendar date written as `"YYYY-MM-DD"`. */
export function isLocalDate(value: unknown): value is string {
  return typeof value === 'string' && DATE_RE.test(value) && DateTime.fromISO(value, { zone: 'utc' }).isValid;
}

/**
 * Lists everything wrong with `a`; an empty list means it is valid.
 *
 * Every problem is reported (not only the first) so a client can show them all at once. Overlaps are
 * reported at the later of the two ranges (by start time), naming the earlier one's index.
 */
export function validateAvailability(a: Availability): AvailabilityProblem[] {
  const problems: AvailabilityProblem[] = [];
  const add = (path: string, message: string): void => {
    problems.push({ path, message });
  };

  if (typeof a.timeZone !== 'string' || !isValidTimeZone(a.timeZone)) {
    add('/timeZone', 'must be a known IANA time zone, e.g. "Europe/Berlin"');
  }
  for (const key of Object.keys(AVAILABILITY_LIMITS) as (keyof typeof AVAILABILITY_LIMITS)[]) {
    const { min, max } = AVAILABILITY_LIMITS[key];
    const v = a[key];
    if (!Number.isInteger(v) || v < min || v > max)
      add(`/${key}`, `must be a whole number from ${min} to ${max}`);
  }

  const weekly = Array.isArray(a.weekly) ? a.weekly : [];
  if (!Array.isArray(a.weekly)) add('/weekly', 'must be an array');
  const byWeekday = new Map<number, ParsedRange[]>();
  weekly.forEach((w, i) => {
    const path = `/weekly/${i}`;
    if (!Number.isInteger(w.weekday) || w.weekday < 1 || w.weekday > 7) {
      add(`${path}/weekday`, 'must be a whole number from 1 (Monday) to 7 (Sunday)');
    }
    const parsed = checkRange(w, i, path, add);
    if (parsed && Number.isInteger(w.weekday)) {
      const list = byWeekday.get(w.weekday) ?? [];
      list.push(parsed);
      byWeekday.set(w.weekday, list);
    }
  });
  for (const list of byWeekday.values()) reportOverlaps(list, '/weekly', add);

  const overrides = Array.isArray(a.overrides) ? a.overrides : [];
  if (!Array.isArray(a.overrides)) add('/overrides', 'must be an array');
  const firstIndexOfDate = new Map<string, number>();
  overrides.forEach((o, i) => {
    const path = `/overrides/${i}`;
    if (!isLocalDate(o.date)) {
      add(`${path}/date`, 'must be a calendar date "YYYY-MM-DD"');
    } else if (firstIndexOfDate.has(o.date)) {
      add(`${path}/date`, `duplicates the date of /overrides/${firstIndexOfDate.get(o.date)}`);
    } else {
      firstIndexOfDate.set(o.date, i);
    }
    if (o.closed !== undefined && typeof o.closed !== 'boolean')
      add(`${path}/closed`, 'must be true or false');
    if (o.ranges === undefined) return;
    if (!Array.isArray(o.ranges)) {
      add(`${path}/ranges`, 'must be an array');
      return;
    }
    if (o.closed === true && o.ranges.length > 0) {
      add(`${path}/ranges`, 'must be empty when the day is closed');
    }
    const parsed: ParsedRange[] = [];
    o.ranges.forEach((r, j) => {
      const p = checkRange(r, j, `${path}/ranges/${j}`, add);
      if (p) parsed.push(p);
    });
    reportOverlaps(parsed, `${path}/ranges`, add);
  });

  return problems;
}

interface ParsedRange {
  index: number;
  start: number;
  end: number;
}

function checkRange(
  r: TimeRange,
  index: number,
  path: string,
  add: (path: string, message: string) => void,
): ParsedRange | undefined {
  const start = parseTimeOfDay(r.start);
  const end = parseTimeOfDay(r.end, true);
  if (start === undefined) add(`${path}/start`, 'must be a time "HH:MM" from 00:00 to 23:59');
  if (end === undefined) add(`${path}/end`, 'must be a time "HH:MM" from 00:01 to 24:00');
  if (start === undefined || end === undefined) return undefined;
  if (end <= start) {
    add(path, 'end must be later than start');
    return undefined;
  }
  return { index, start, end };
}

/** Touching ranges (09:00–12:00 and 12:00–17:00) do not overlap: ranges are half-open. */
function reportOverlaps(
  ranges: ParsedRange[],
  basePath: string,
  add: (path: string, message: string) => void,
): void {
  const sorted = [...ranges].sort((x, y) => x.start - y.start || x.index - y.index);
  let latest: ParsedRange | undefined;
  for (const r of sorted) {
    if (latest && r.start < latest.end) {
      add(`${basePath}/${r.index}`, `overlaps ${basePath}/${latest.index}`);
    }
    if (!latest || r.end > latest.end) latest = r;
  }
}
