/**
 * Free-slot computation: which start times a doctor offers, given their availability and the
 * appointments they already have. Pure: no clock, database or I/O; the caller passes `now` and `busy`.
 */
import { DateTime } from 'luxon';
import { type Availability, parseTimeOfDay, validateAvailability } from './availability.js';

/** Widest `[from, to)` window, in days, that the slot listing accepts; enforced by the caller (route). */
export const MAX_SLOT_RANGE_DAYS = 31;

/** A bookable interval `[startsAt, endsAt)` (SPEC shape "Slot"). */
export interface Slot {
  startsAt: Date;
  endsAt: Date;
}

/** An interval `[startsAt, endsAt)` already taken in the doctor's calendar, e.g. a stored appointment. */
export interface BusyInterval {
  startsAt: Date;
  endsAt: Date;
}

/** Input of {@link computeFreeSlots}. */
export interface FreeSlotsQuery {
  availability: Availability;
  /** Slots starting at or after this instant are listed. */
  from: Date;
  /** Slots starting before this instant are listed. */
  to: Date;
  now: Date;
  busy: readonly BusyInterval[];
  /**
   * Stop at the end of the first local date by which this many slots were found: the result is
   * then the first slots of the window (at least `limit`), not all of them. (Default: no limit)
   */
  limit?: number;
}

/** Input of {@link isBookableSlot}. */
export interface BookableSlotQuery {
  availability: Availability;
  startsAt: Date;
  now: Date;
  /** When rescheduling, leave out the appointment being moved, or it blocks its own neighbourhood. */
  busy: readonly BusyInterval[];
}

const MS_PER_MINUTE = 60_000;
const MINUTES_PER_DAY = 24 * 60;

/** The instant a slot starting at `startsAt` ends: `slotMinutes` of elapsed time later. */
export function slotEnd(availability: Availability, startsAt: Date): Date {
  return new Date(startsAt.getTime() + availability.slotMinutes * MS_PER_MINUTE);
}

/**
 * Lists the free slots starting in `[from, to)`, sorted ascending and without duplicates.
 *
 * For each local date (in `availability.timeZone`) the hours are the override's ranges if that date
 * has an override (none if closed), else that weekday's weekly ranges. Within a range, start times
 * step from the range start by `slotMinutes + bufferMinutes` of wall-clock time, so the grid reads
 * 09:00, 09:30, … in local time on both sides of a DST change. A slot is kept only if it starts
 * within `[now + minNoticeMinutes, now + horizonDays)` and `[from, to)`, and it together with its
 * buffer on both sides, `[startsAt - buffer, endsAt + buffer)`, overlaps no busy interval.
 *
 * Throws `RangeError` for an invalid date or availability: stored availabilities are validated on
 * write, so either is a programming error rather than something to answer with an empty list.
 */
export function computeFreeSlots(query: FreeSlotsQuery): Slot[] {
  const slotMs = query.availability.slotMinutes * MS_PER_MINUTE;
  return computeFreeSlotStarts(query).map((t) => ({ startsAt: new Date(t), endsAt: new Date(t + slotMs) }));
}

/**
 * {@link computeFreeSlots} as the start instants (ms since the epoch) only, ascending: what a
 * listing serialises, without two Dates and an object per slot. Each slot ends `slotMinutes` later.
 */
export function computeFreeSlotStarts(query: FreeSlotsQuery): number[] {
  const { availability: a, from, to, now } = query;
  for (const [name, d] of [
    ['from', from],
    ['to', to],
    ['now', now],
  ] as const) {
    if (Number.isNaN(d.getTime())) throw new RangeError(`computeFreeSlots: ${name} is an invalid date`);
  }
  const problems = validateAvailability(a);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    throw new RangeError(`computeFreeSlots: invalid availability: ${list}`);
  }

  const zone = a.timeZone;
  const slotMs = a.slotMinutes * MS_PER_MINUTE;
  const bufferMs = a.bufferMinutes * MS_PER_MINUTE;
  // Horizon in calendar days of the doctor's zone, so "90 days ahead" ends at the same local time
  // of day even when a DST change falls in between.
  const horizonEnd = memo(`h|${zone}|${now.getTime()}|${a.horizonDays}`, () =>
    DateTime.fromJSDate(now, { zone }).plus({ days: a.horizonDays }).toMillis(),
  );
  // Clipping the window first bounds the work by the horizon, however wide [from, to) is.
  const lo = Math.max(from.getTime(), now.getTime() + a.minNoticeMinutes * MS_PER_MINUTE);
  const hi = Math.min(to.getTime(), horizonEnd);
  if (lo >= hi) return [];

  const busy = mergeBusy(query.busy);
  const overrides = new Map(a.overrides.map((o) => [o.date, o]));
  const weekly = new Map<number, { start: string; end: string }[]>();
  for (const w of a.weekly) weekly.set(w.weekday, [...(weekly.get(w.weekday) ?? []), w]);

  const found: number[] = [];
  const first = localDate(lo, zone);
  const last = localDate(hi - 1, zone);
  const lastDay = epochDay(last);

  // Dates are walked as plain calendar dates (days since 1970-01-01; UTC has no DST), and only
  // turned into instants per wall-clock time; walking local midnights instead would trip over zones
  // where midnight is skipped.
  for (let day = epochDay(first); day <= lastDay; day++) {
    if (query.limit !== undefined && found.length >= query.limit) break;
    const override = overrides.size ? overrides.get(isoDate(day)) : undefined;
    const ranges = override
      ? override.closed
        ? []
        : (override.ranges ?? [])
      : (weekly.get(isoWeekday(day)) ?? []);
    for (const range of ranges) {
      // Validation guarantees both parse.
      const startMin = parseTimeOfDay(range.start) as number;
      const endMin = parseTimeOfDay(range.end, true) as number;
      const rangeEnd = wallClock(day, endMin, zone).instant;
      const rangeStart = wallClock(day, startMin, zone);
      // Most ranges hold no DST change: then wall-clock minutes map to instants by plain arithmetic,
      // and asking the zone database once per slot (the slow part of listing) is unnecessary.
      const steady =
        rangeStart.exists && rangeEnd - rangeStart.instant === (endMin - startMin) * MS_PER_MINUTE;
      let previousEnd = -Infinity;
      for (let m = startMin; m + a.slotMinutes <= endMin; m += a.slotMinutes + a.bufferMinutes) {
        let startMs = rangeStart.instant + (m - startMin) * MS_PER_MINUTE;
        if (!steady) {
          const start = wallClock(day, m, zone);
          // A time skipped by spring-forward is not offered rather than moved to another time.
          if (!start.exists) continue;
          startMs = start.instant;
        }
        const endMs = startMs + slotMs;
        // Across spring-forward a slot lasts longer in wall-clock time than the grid step, so it can
        // run past the doctor's hours or into the next grid slot; such slots are dropped. This is
        // decided on the grid alone (before notice, window and busy), so the offer does not shift
        // as time passes.
        if (endMs > rangeEnd || startMs < previousEnd + bufferMs) continue;
        previousEnd = endMs;
        if (startMs < lo || startMs >= hi) continue;
        if (overlapsBusy(busy, startMs - bufferMs, endMs + bufferMs)) continue;
        found.push(startMs);
      }
    }
  }

  // Each range yields ascending starts; ranges of a day may come in any order, and two ranges can
  // meet at a DST change, hence the sort and the removal of duplicates (rare: usually a no-op).
  let sorted = true;
  for (let i = 1; i < found.length; i++) if (found[i] <= found[i - 1]) sorted = false;
  if (sorted) return found;
  found.sort((x, y) => x - y);
  return found.filter((t, i) => i === 0 || t !== found[i - 1]);
}

/**
 * True iff `startsAt` is exactly the start of a slot that {@link computeFreeSlots} would list as free.
 *
 * Booking uses this so it can never accept a time the listing would not offer. The day's full grid
 * is still built; only the result is narrowed to `[startsAt, startsAt + 1 ms)`.
 */
export function isBookableSlot(query: BookableSlotQuery): boolean {
  const t = query.startsAt.getTime();
  if (Number.isNaN(t)) return false;
  const slots = computeFreeSlots({
    availability: query.availability,
    from: query.startsAt,
    to: new Date(t + 1),
    now: query.now,
    busy: query.busy,
  });
  return slots.some((s) => s.startsAt.getTime() === t);
}

/** {@link computeWallClock}, memoised. */
function wallClock(day: number, minutes: number, zone: string): { instant: number; exists: boolean } {
  // A pure function of its arguments whose zone lookups (Intl formatToParts inside luxon) were most
  // of a listing's CPU time; doctors of one zone share their dates and hours, so it is memoised.
  const key = `${zone}|${day}|${minutes}`;
  const hit = wallClockMemo.get(key);
  if (hit) return hit;
  const computed = computeWallClock(day, minutes, zone);
  if (wallClockMemo.size >= WALL_CLOCK_MEMO_SIZE) wallClockMemo.clear();
  wallClockMemo.set(key, computed);
  return computed;
}

const MS_PER_DAY = MINUTES_PER_DAY * MS_PER_MINUTE;

/** Days since 1970-01-01 of a calendar date. */
function epochDay(d: { year: number; month: number; day: number }): number {
  return Math.round(Date.UTC(d.year, d.month - 1, d.day) / MS_PER_DAY);
}

/** ISO weekday (1 = Monday … 7 = Sunday) of a day number; 1970-01-01 was a Thursday. */
function isoWeekday(day: number): number {
  return ((((day + 3) % 7) + 7) % 7) + 1;
}

/** `YYYY-MM-DD` of a day number. */
function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** The calendar date (year, month, day) of a day number. */
function calendarDate(day: number): { year: number; month: number; day: number } {
  const d = new Date(day * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

/** The calendar date of an instant in a zone (memoised: every doctor of a zone asks the same). */
function localDate(ms: number, zone: string): { year: number; month: number; day: number } {
  return memo(`d|${zone}|${ms}`, () => {
    const dt = DateTime.fromMillis(ms, { zone });
    return { year: dt.year, month: dt.month, day: dt.day };
  });
}

const zoneMemo = new Map<string, unknown>();

/**
 * Memoises a pure zone computation of one request's instants: a search across doctors asks the same
 * question once per doctor. Small and cleared when full, since the instants change per request.
 */
function memo<T>(key: string, compute: () => T): T {
  if (zoneMemo.has(key)) return zoneMemo.get(key) as T;
  const value = compute();
  if (zoneMemo.size >= 1000) zoneMemo.clear();
  zoneMemo.set(key, value);
  return value;
}

const WALL_CLOCK_MEMO_SIZE = 100_000;
const wallClockMemo = new Map<string, { instant: number; exists: boolean }>();

/**
 * The instant of `minutes` after the start of local date `day` (days since 1970-01-01) in `zone`,
 * and whether that wall-clock time exists there. 1440 means the next day's 00:00, so hours may end
 * at "24:00".
 *
 * luxon moves a nonexistent time forward by the DST gap and resolves an ambiguous one to a single
 * instant; comparing the fields it resolved to with the ones asked for detects the first case.
 */
function computeWallClock(day: number, minutes: number, zone: string): { instant: number; exists: boolean } {
  const date = calendarDate(minutes >= MINUTES_PER_DAY ? day + 1 : day);
  const m = minutes % MINUTES_PER_DAY;
  const want = {
    year: date.year,
    month: date.month,
    day: date.day,
    hour: Math.floor(m / 60),
    minute: m % 60,
  };
  const dt = DateTime.fromObject(want, { zone });
  const exists =
    dt.year === want.year &&
    dt.month === want.month &&
    dt.day === want.day &&
    dt.hour === want.hour &&
    dt.minute === want.minute;
  return { instant: dt.toMillis(), exists };
}

interface MsInterval {
  start: number;
  end: number;
}

/**
 * Sorts and merges busy intervals so their ends ascend too, which lets {@link overlapsBusy}
 * binary-search instead of scanning every appointment for every slot.
 */
function mergeBusy(busy: readonly BusyInterval[]): MsInterval[] {
  const intervals: MsInterval[] = [];
  for (const b of busy) {
    const start = b.startsAt.getTime();
    const end = b.endsAt.getTime();
    if (Number.isNaN(start) || Number.isNaN(end))
      throw new RangeError('computeFreeSlots: busy interval has an invalid date');
    // An empty half-open interval blocks nothing.
    if (end > start) intervals.push({ start, end });
  }
  intervals.sort((x, y) => x.start - y.start);
  const merged: MsInterval[] = [];
  for (const iv of intervals) {
    const top = merged[merged.length - 1];
    if (top && iv.start <= top.end) top.end = Math.max(top.end, iv.end);
    else merged.push({ ...iv });
  }
  return merged;
}

/** True iff `[start, end)` overlaps any of the sorted, disjoint `merged` intervals. */
function overlapsBusy(merged: MsInterval[], start: number, end: number): boolean {
  // First interval that ends after `start`; only it can be the earliest overlap.
  let lo = 0;
  let hi = merged.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (merged[mid].end > start) hi = mid;
    else lo = mid + 1;
  }
  return lo < merged.length && merged[lo].start < end;
}
