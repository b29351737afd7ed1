/**
 * Free-slot computation: which start times a doctor offers, given their availability and the
 * appointments they already have. Pure: no clock, database or I/O; the caller passes `now` and `busy`.
 */
import { DateTime, Info, type Zone } from 'luxon';
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
  const { from, to, now } = query;
  for (const [name, d] of [
    ['from', from],
    ['to', to],
    ['now', now],
  ] as const) {
    if (Number.isNaN(d.getTime())) throw new RangeError(`computeFreeSlots: ${name} is an invalid date`);
  }
  const busy: number[] = [];
  for (const b of query.busy) busy.push(b.startsAt.getTime(), b.endsAt.getTime());
  return freeSlotStarts(prepareSlotPlan(query.availability), {
    fromMs: from.getTime(),
    toMs: to.getTime(),
    nowMs: now.getTime(),
    busy,
    limit: query.limit,
  });
}

/** One range of bookable hours of a date, in minutes after local midnight (end up to 1440). */
interface MinuteRange {
  start: number;
  end: number;
}

/**
 * An availability checked and parsed once, ready for {@link freeSlotStarts}: what every listing
 * would otherwise redo per doctor and request (validation, `HH:MM` parsing, grouping by weekday
 * and date). Immutable; the scheduling cache keeps one per doctor (domain/scheduling/doctor-cache.ts).
 */
export interface SlotPlan {
  readonly availability: Availability;
  /** Ranges per ISO weekday (index 1–7; index 0 unused), in the order they were given. */
  readonly weekly: readonly (readonly MinuteRange[])[];
  /** Ranges per overridden date (`YYYY-MM-DD`); a closed date has none. */
  readonly overrides: ReadonlyMap<string, readonly MinuteRange[]>;
  /** The zone's memo of wall-clock instants and local dates. */
  readonly zone: ZoneClock;
}

/**
 * Validates and parses `a` into a {@link SlotPlan}. Throws `RangeError` for an invalid
 * availability: stored ones are validated on write, so that is a programming error.
 */
export function prepareSlotPlan(a: Availability): SlotPlan {
  const problems = validateAvailability(a);
  if (problems.length > 0) {
    const list = problems.map((p) => `${p.path} ${p.message}`).join('; ');
    throw new RangeError(`computeFreeSlots: invalid availability: ${list}`);
  }
  // Validation guarantees every time parses.
  const parse = (r: { start: string; end: string }): MinuteRange => ({
    start: parseTimeOfDay(r.start) as number,
    end: parseTimeOfDay(r.end, true) as number,
  });
  const weekly: MinuteRange[][] = [[], [], [], [], [], [], [], []];
  for (const w of a.weekly) weekly[w.weekday]!.push(parse(w));
  const overrides = new Map<string, MinuteRange[]>();
  for (const o of a.overrides) overrides.set(o.date, o.closed ? [] : (o.ranges ?? []).map(parse));
  return { availability: a, weekly, overrides, zone: zoneClock(a.timeZone) };
}

/** Input of {@link freeSlotStarts}: instants as ms since the epoch. */
export interface SlotWindowMs {
  fromMs: number;
  toMs: number;
  nowMs: number;
  /**
   * Busy intervals as flat pairs `[start0, end0, start1, end1, …]` (ms), in any order; an empty or
   * reversed pair blocks nothing.
   */
  busy: readonly number[];
  /** As {@link FreeSlotsQuery.limit}. */
  limit?: number;
}

/**
 * {@link computeFreeSlotStarts} on a prepared plan and plain numbers: the hot path of slot
 * listings, which call it once per doctor and request. Same rules, same result.
 */
export function freeSlotStarts(plan: SlotPlan, w: SlotWindowMs): number[] {
  const a = plan.availability;
  const clock = plan.zone;
  const slotMs = a.slotMinutes * MS_PER_MINUTE;
  const bufferMs = a.bufferMinutes * MS_PER_MINUTE;
  const stepMinutes = a.slotMinutes + a.bufferMinutes;
  const stepMs = stepMinutes * MS_PER_MINUTE;
  // Horizon in calendar days of the doctor's zone, so "90 days ahead" ends at the same local time
  // of day even when a DST change falls in between.
  const horizonEnd = clock.horizonEnd(w.nowMs, a.horizonDays);
  // Clipping the window first bounds the work by the horizon, however wide [from, to) is.
  const lo = Math.max(w.fromMs, w.nowMs + a.minNoticeMinutes * MS_PER_MINUTE);
  const hi = Math.min(w.toMs, horizonEnd);
  if (lo >= hi) return [];

  const busy = mergeBusy(w.busy);
  const found: number[] = [];
  // Every UTC offset lies within ±1 day, so the local dates of [lo, hi) lie within one day either
  // side of their UTC dates: walking that superset costs a few memoised lookups (each slot is
  // checked against [lo, hi) anyway) and spares a zone conversion per doctor and request.
  const firstDay = Math.floor(lo / MS_PER_DAY) - 1;
  const lastDay = Math.floor((hi - 1) / MS_PER_DAY) + 1;
  const overrides = plan.overrides;

  // Dates are walked as plain calendar dates (days since 1970-01-01; UTC has no DST), and only
  // turned into instants per wall-clock time; walking local midnights instead would trip over zones
  // where midnight is skipped.
  for (let day = firstDay; day <= lastDay; day++) {
    if (w.limit !== undefined && found.length >= w.limit) break;
    const ranges =
      (overrides.size ? overrides.get(isoDate(day)) : undefined) ?? plan.weekly[isoWeekday(day)]!;
    for (const range of ranges) {
      const startMin = range.start;
      const endMin = range.end;
      const rangeEnd = clock.wallClock(day, endMin).instant;
      const rangeStart = clock.wallClock(day, startMin);
      // Most ranges hold no DST change: then wall-clock minutes map to instants by plain arithmetic,
      // and asking the zone database once per slot (the slow part of listing) is unnecessary.
      const steady =
        rangeStart.exists && rangeEnd - rangeStart.instant === (endMin - startMin) * MS_PER_MINUTE;
      if (steady) {
        // Every grid slot fits and none overlaps the previous one (the step is slot + buffer), so
        // the first slot at or after `lo` is found by division and the walk stops at `hi`: a search
        // across doctors looks at the hours of its stretch only, not the whole day.
        const count = Math.floor((endMin - startMin - a.slotMinutes) / stepMinutes) + 1;
        const base = rangeStart.instant;
        for (let k = lo > base ? Math.ceil((lo - base) / stepMs) : 0; k < count; k++) {
          const startMs = base + k * stepMs;
          if (startMs >= hi) break;
          if (overlapsBusy(busy, startMs - bufferMs, startMs + slotMs + bufferMs)) continue;
          found.push(startMs);
        }
        continue;
      }
      let previousEnd = -Infinity;
      for (let m = startMin; m + a.slotMinutes <= endMin; m += stepMinutes) {
        const start = clock.wallClock(day, m);
        // A time skipped by spring-forward is not offered rather than moved to another time.
        if (!start.exists) continue;
        const startMs = start.instant;
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
 * The starts among `starts` that the busy intervals (flat pairs, as {@link SlotWindowMs.busy}) leave
 * free, in the same order. Given the grid of a window (what {@link freeSlotStarts} answers with no
 * busy intervals and no limit), this is exactly what it answers with `busy` over that window: busy
 * intervals only ever remove grid slots, each by the same test. A search across doctors computes
 * the grids first, without the database, and reads appointments only for the stretch it needs.
 */
export function dropBusyStarts(plan: SlotPlan, starts: readonly number[], busy: readonly number[]): number[] {
  const a = plan.availability;
  const slotMs = a.slotMinutes * MS_PER_MINUTE;
  const bufferMs = a.bufferMinutes * MS_PER_MINUTE;
  const merged = mergeBusy(busy);
  if (merged.length === 0) return starts.slice();
  return starts.filter((t) => !overlapsBusy(merged, t - bufferMs, t + slotMs + bufferMs));
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

const MS_PER_DAY = MINUTES_PER_DAY * MS_PER_MINUTE;

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

/** Wall-clock instant of a local date and time, and whether that time exists in the zone. */
interface WallClock {
  instant: number;
  exists: boolean;
}

/**
 * The zone lookups of slot computation for one time zone, memoised: each is a pure function of its
 * arguments, and luxon answers them through `Intl` (`formatToParts`), which was most of a listing's
 * CPU time. Doctors of one zone share dates, hours and a request's `now`, so a search across 200
 * doctors asks each question once per zone instead of once per doctor. Keys are numbers (no string
 * building per lookup); each map is cleared when full.
 */
export class ZoneClock {
  private readonly wall = new Map<number, WallClock>();
  private readonly horizons = new Map<number, number>();
  private readonly offsets = new Map<number, number>();
  private readonly luxonZone: Zone;

  constructor(readonly zone: string) {
    this.luxonZone = Info.normalizeZone(zone);
  }

  /** {@link computeWallClock} of local date `day` (days since 1970-01-01) and `minutes` (0–1440). */
  wallClock(day: number, minutes: number): WallClock {
    const key = day * 1441 + minutes;
    let hit = this.wall.get(key);
    if (hit === undefined) {
      hit = computeWallClock(day, minutes, this.zone);
      if (this.wall.size >= 50_000) this.wall.clear();
      this.wall.set(key, hit);
    }
    return hit;
  }

  /**
   * `nowMs` plus `days` calendar days of this zone (same local time of day), in ms: what luxon's
   * `DateTime.fromMillis(nowMs, {zone}).plus({days}).toMillis()` answers, computed the way luxon
   * does it (its `adjustTime` and `fixOffset`) but on memoised offsets. `now` changes with every
   * request, so a memo of the answer alone never hits, and luxon's offset lookups (Intl
   * `formatToParts`) were ~5 % of a web process's CPU under `GET /slots`.
   */
  horizonEnd(nowMs: number, days: number): number {
    // Unique while days < 1024 (validation caps it at 365); exact in a double until the year 2248.
    const key = nowMs * 1024 + days;
    let hit = this.horizons.get(key);
    if (hit === undefined) {
      const o = this.offsetAt(nowMs);
      // The same wall-clock time `days` dates later (a local timestamp: wall clock read as UTC).
      const local = nowMs + o * MS_PER_MINUTE + days * MS_PER_DAY;
      let guess = local - o * MS_PER_MINUTE;
      const o2 = this.offsetAt(guess);
      if (o2 === o) hit = guess;
      else {
        guess -= (o2 - o) * MS_PER_MINUTE;
        const o3 = this.offsetAt(guess);
        // Else that wall-clock time falls in a gap (spring-forward): luxon reads it with the smaller offset.
        hit = o3 === o2 ? guess : local - Math.min(o2, o3) * MS_PER_MINUTE;
      }
      if (this.horizons.size >= 1000) this.horizons.clear();
      this.horizons.set(key, hit);
    }
    return hit;
  }

  /**
   * luxon's UTC offset (minutes) of this zone at `ms`, memoised per second: luxon computes it from
   * the instant truncated to the second, so the memo returns exactly what luxon would.
   */
  private offsetAt(ms: number): number {
    const second = Math.floor(ms / 1000);
    let hit = this.offsets.get(second);
    if (hit === undefined) {
      hit = this.luxonZone.offset(ms);
      if (this.offsets.size >= 10_000) this.offsets.clear();
      this.offsets.set(second, hit);
    }
    return hit;
  }
}

const zoneClocks = new Map<string, ZoneClock>();

/** The process's {@link ZoneClock} of `zone` (one per zone name; validated zones only). */
export function zoneClock(zone: string): ZoneClock {
  let clock = zoneClocks.get(zone);
  if (!clock) {
    // Zone names come from validated availabilities; the bound only guards against a leak.
    if (zoneClocks.size >= 1000) zoneClocks.clear();
    clock = new ZoneClock(zone);
    zoneClocks.set(zone, clock);
  }
  return clock;
}

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
 * Sorts and merges busy intervals (flat `[start, end, …]` pairs in ms) so their ends ascend too,
 * which lets {@link overlapsBusy} binary-search instead of scanning every appointment for every slot.
 */
function mergeBusy(busy: readonly number[]): MsInterval[] {
  const intervals: MsInterval[] = [];
  for (let i = 0; i + 1 < busy.length; i += 2) {
    const start = busy[i]!;
    const end = busy[i + 1]!;
    if (Number.isNaN(start) || Number.isNaN(end))
      throw new RangeError('computeFreeSlots: busy interval has an invalid date');
    // An empty half-open interval blocks nothing.
    if (end > start) intervals.push({ start, end });
  }
  let ordered = true;
  for (let i = 1; i < intervals.length; i++)
    if (intervals[i]!.start < intervals[i - 1]!.start) ordered = false;
  if (!ordered) intervals.sort((x, y) => x.start - y.start);
  const merged: MsInterval[] = [];
  for (const iv of intervals) {
    const top = merged[merged.length - 1];
    if (top && iv.start <= top.end) top.end = Math.max(top.end, iv.end);
    else merged.push(iv);
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
