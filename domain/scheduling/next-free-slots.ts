/**
 * "The next available cardiologist": the first free slots across every bookable doctor of a
 * specialization, ordered by time, each one a slot `POST /appointments` accepts as it stands.
 */
import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { decodeCursor, encodeCursor } from '../../db/pagination.js';
import { ValidationError } from '../../lib/errors.js';
import { type CachedDoctor, doctorScheduleCache } from './doctor-cache.js';
import { availabilityFromRow, type AvailabilityRow } from './doctor-availability.js';
import { LIVE_STATUSES } from './free-slots.js';
import { MAX_SLOT_RANGE_DAYS, dropBusyStarts, freeSlotStarts, prepareSlotPlan } from './slots.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/**
 * The first stretch whose grids are laid out; with many doctors it usually holds a page's
 * candidates several times over, else it is widened.
 */
const GRID_SPAN_MS = 60 * MINUTE_MS;

export interface NextFreeSlotsQuery {
  /** Case-insensitive exact specialization; omitted: every bookable doctor. */
  specialization?: string;
  /** (Default: now) */
  from?: Date;
  /** At most MAX_SLOT_RANGE_DAYS after `from`. (Default: from + MAX_SLOT_RANGE_DAYS days) */
  to?: Date;
  /** (Default: 20; at most 100) */
  limit?: number;
  cursor?: string;
}

export interface DoctorSlot {
  doctorId: string;
  startsAt: Date;
  endsAt: Date;
}

/** Key of a specialization's list in the cache ("every doctor" cannot collide with a name). */
const directoryKey = (specialization: string | undefined) =>
  specialization === undefined ? '*' : `=${specialization}`;

/**
 * The bookable doctors (active, with stored hours) of a specialization, or all of them, with their
 * parsed availability: from the process's cache (domain/scheduling/doctor-cache.ts) when it holds
 * the list, else read in one statement and kept.
 */
async function bookableDoctors(
  knex: Knex,
  specialization: string | undefined,
): Promise<readonly CachedDoctor[]> {
  const cache = doctorScheduleCache();
  const key = directoryKey(specialization);
  const hit = cache.directory(key);
  if (hit) return hit;
  const epoch = cache.epoch;
  const { rows } = await knex.raw(
    `select d.id, d.time_zone as "timeZone",
            a.slot_minutes as "slotMinutes", a.buffer_minutes as "bufferMinutes",
            a.min_notice_minutes as "minNoticeMinutes", a.horizon_days as "horizonDays",
            a.weekly, a.overrides
       from doctors d
       join users u on u.id = d.id and u.role = 'doctor' and u.status = 'active'
       join doctor_availability a on a.doctor_id = d.id
      where (?::text is null or lower(d.specialization) = lower(?::text))`,
    [specialization ?? null, specialization ?? null],
  );
  const doctors = (rows as (AvailabilityRow & { id: string; timeZone: string })[]).map((row) => ({
    id: row.id,
    timeZone: row.timeZone,
    plan: prepareSlotPlan(availabilityFromRow(row, row.timeZone)),
  }));
  // In id order: the search breaks ties between doctors by id, in this order.
  doctors.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  cache.storeDirectory(key, doctors, epoch);
  return doctors;
}

/** Text of {@link readBusy}'s statement, prepared once per connection under one name. */
const NEAR_SQL = `select ap.doctor_id, (extract(epoch from ap.starts_at) * 1000)::float8,
                         (extract(epoch from ap.ends_at) * 1000)::float8, ap.buffer_minutes
                    from appointments ap
                   where ap.status in (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})
                     and tstzrange(ap.starts_at, add_minutes(ap.ends_at, ap.buffer_minutes), '[)')
                         && tstzrange(add_minutes(?::timestamptz, -?::int), add_minutes(?::timestamptz, ?::int), '[)')
                     and ap.doctor_id = any(?::uuid[])`;

/**
 * The live appointments that can block a slot starting in `[lo, hi)` for any of `doctors`, as busy
 * intervals (flat `[start, end, …]` pairs, ms) per doctor id, in one scan of
 * appointments_live_time_idx: the stretch widened by the largest buffer and slot of these doctors,
 * a superset of what matters (freeSlotStarts tests each candidate exactly). As in
 * loadDoctorSchedule, a stored buffer above the doctor's current one lengthens the interval.
 * Only these doctors' rows: the stretch is short and holds candidates of only some doctors.
 */
async function readBusy(
  knex: Knex,
  doctors: readonly CachedDoctor[],
  byId: ReadonlyMap<string, CachedDoctor>,
  lo: number,
  hi: number,
): Promise<Map<string, number[]>> {
  let maxBuffer = 0;
  let maxReach = 0;
  for (const d of doctors) {
    const a = d.plan.availability;
    maxBuffer = Math.max(maxBuffer, a.bufferMinutes);
    maxReach = Math.max(maxReach, a.slotMinutes + a.bufferMinutes);
  }
  const ids = doctors.map((d) => d.id);
  const { rows } = (await knex
    .raw(NEAR_SQL, [new Date(lo), maxBuffer, new Date(hi), maxReach, ids])
    .options({ name: 'clinicflow_near_busy_v2', rowMode: 'array' })) as {
    rows: [string, number, number, number][];
  };
  const busy = new Map<string, number[]>();
  for (const [doctorId, s, e, buffer] of rows) {
    const d = byId.get(doctorId);
    if (!d) continue;
    let list = busy.get(doctorId);
    if (!list) busy.set(doctorId, (list = []));
    list.push(s, e + Math.max(0, buffer - d.plan.availability.bufferMinutes) * MINUTE_MS);
  }
  return busy;
}

const NO_BUSY: readonly number[] = [];

/** The earliest slot start in `[lo, end)` of any doctor's grid, appointments aside (Infinity: none). */
function firstGridStart(doctors: readonly CachedDoctor[], lo: number, end: number, nowMs: number): number {
  let first = Infinity;
  for (const d of doctors) {
    const [t] = freeSlotStarts(d.plan, { fromMs: lo, toMs: end, nowMs, busy: NO_BUSY, limit: 1 });
    if (t !== undefined && t < first) first = t;
  }
  return first;
}

/**
 * Calls `emit(list index, value)` for the `count` smallest values of ascending `lists`, smallest
 * first, ties in list order (the doctors are in id order, which is how ties are paged): a binary
 * heap of the lists' heads.
 */
function mergeByStart(lists: number[][], count: number, emit: (list: number, value: number) => void): void {
  const pos = new Array<number>(lists.length).fill(0);
  const heap: number[] = [];
  const less = (x: number, y: number) => {
    const a = lists[x]![pos[x]!]!;
    const b = lists[y]![pos[y]!]!;
    return a < b || (a === b && x < y);
  };
  const down = (from: number) => {
    let i = from;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l]!, heap[m]!)) m = l;
      if (r < heap.length && less(heap[r]!, heap[m]!)) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = 0; i < lists.length; i++) if (lists[i]!.length) heap.push(i);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  for (let n = 0; n < count && heap.length; n++) {
    const top = heap[0]!;
    emit(top, lists[top]![pos[top]!]!);
    pos[top] = pos[top]! + 1;
    if (pos[top]! >= lists[top]!.length) {
      heap[0] = heap[heap.length - 1]!;
      heap.pop();
    }
    down(0);
  }
}

interface Grids {
  /** Per doctor with any, their grid starts, ascending. */
  lists: number[][];
  owners: CachedDoctor[];
  total: number;
}

/**
 * Every doctor's grid starts (appointments aside) in `[lo, hi)`, ascending, past the cursor. Without
 * a limit, so that each list is the whole grid of the stretch: the free starts of any shorter
 * stretch are then exactly its part of the list minus what appointments block (dropBusyStarts).
 */
function layOutGrids(
  doctors: readonly CachedDoctor[],
  lo: number,
  hi: number,
  nowMs: number,
  after: { t: number; doctorId: string } | undefined,
): Grids {
  const lists: number[][] = [];
  const owners: CachedDoctor[] = [];
  let total = 0;
  for (const d of doctors) {
    const starts = freeSlotStarts(d.plan, { fromMs: lo, toMs: hi, nowMs, busy: NO_BUSY });
    let first = 0;
    if (after) {
      while (first < starts.length && starts[first]! < after.t) first++;
      if (first < starts.length && starts[first] === after.t && d.id <= after.doctorId) first++;
    }
    if (first < starts.length) {
      lists.push(first ? starts.slice(first) : starts);
      owners.push(d);
      total += starts.length - first;
    }
  }
  return { lists, owners, total };
}

/** The `k`-th smallest value (1-based) of ascending `lists`, merged as the page is. */
function kthSmallest(lists: number[][], k: number): number {
  let value = Infinity;
  mergeByStart(lists, k, (_, t) => (value = t));
  return value;
}

/**
 * The first `limit` free slots starting in `[from, to)` across the doctors, ordered by start and
 * then doctor id, with a cursor for the next page.
 *
 * Each doctor's slots follow the rules of computeFreeSlots (their own zone, hours, notice, buffers,
 * horizon, appointments), the same rules booking checks. The search first lays out every doctor's
 * grid from the page's start without the database (cached plans: zone, hours, notice, horizon), an
 * hour ahead and wider (×4) until it holds a margin over a page of candidates; it then reads, in one
 * statement, the appointments of only the doctors with a candidate before the margin's last one,
 * and only up to it (minutes with many doctors, not hours), drops the taken candidates and merges
 * the rest. Only when too many were taken does it go on from there, with a margin sized by the
 * share that was free; after a stretch where no grid offers anything it jumps to the next start any
 * grid offers. A page usually costs one round trip, never one per doctor.
 */
export async function listNextFreeSlots(
  query: NextFreeSlotsQuery,
  now = new Date(),
): Promise<{ items: DoctorSlot[]; nextCursor: string | null }> {
  const limit = query.limit ?? 20;
  const from = query.from ?? now;
  const to = query.to ?? new Date(from.getTime() + MAX_SLOT_RANGE_DAYS * DAY_MS);
  if (to.getTime() <= from.getTime()) {
    throw new ValidationError('The slot window is invalid.', [
      { path: '/query/to', message: 'must be later than from' },
    ]);
  }
  if (to.getTime() - from.getTime() > MAX_SLOT_RANGE_DAYS * DAY_MS) {
    throw new ValidationError('The slot window is too wide.', [
      { path: '/query/to', message: `must be at most ${MAX_SLOT_RANGE_DAYS} days after from` },
    ]);
  }
  let after: { t: number; doctorId: string } | undefined;
  const c = decodeCursor(query.cursor, 2);
  if (c) {
    const [t, doctorId] = c;
    if (typeof t !== 'number' || typeof doctorId !== 'string' || !Number.isFinite(t))
      throw new ValidationError('The cursor is invalid.', [
        { path: '/cursor', message: 'is not a cursor from this API' },
      ]);
    after = { t, doctorId };
  }

  // Slots at the cursor's instant are included again (other doctors may follow at that instant).
  let lo = Math.max(from.getTime(), after?.t ?? -Infinity);
  const end = to.getTime();
  const nowMs = now.getTime();
  const found: DoctorSlot[] = [];
  const doctors = lo < end ? await bookableDoctors(db(), query.specialization) : [];
  const byId = new Map(doctors.map((d) => [d.id, d]));
  // Share of candidates found free so far: sizes the margin of candidates read per stretch.
  let freeShare = 0.5;
  let span = GRID_SPAN_MS;
  while (doctors.length && lo < end && found.length <= limit) {
    const need = limit + 1 - found.length;
    const want = Math.ceil(need / Math.max(freeShare, 0.05) + need / 4) + 4;
    // The doctors' grids from lo, over a span widened (×4) until they hold `want` candidates.
    let grid: Grids;
    let gridEnd: number;
    for (;;) {
      gridEnd = Math.min(end, lo + span);
      grid = layOutGrids(doctors, lo, gridEnd, nowMs, after);
      if (grid.total >= want || gridEnd >= end) break;
      if (grid.total === 0) {
        // No grid offers anything in the stretch (a night, a Sunday): go on from the first start any
        // grid offers (appointments only ever remove slots, so nothing is skipped), at the first span.
        lo = Math.min(firstGridStart(doctors, gridEnd, end, nowMs), end);
        span = GRID_SPAN_MS;
        if (lo >= end) break;
        continue;
      }
      span *= 4;
    }
    const { lists, owners, total } = grid;
    if (!total) break;
    // The stretch [lo, hi) holds `want` candidates (or all there are up to gridEnd): the busy read
    // covers only it, and only the doctors with a candidate in it.
    const hi = total > want ? Math.min(gridEnd, kthSmallest(lists, want) + 1) : gridEnd;
    const near: number[][] = [];
    const nearOwners: CachedDoctor[] = [];
    let candidates = 0;
    for (let i = 0; i < lists.length; i++) {
      const starts = lists[i]!;
      if (starts[0]! >= hi) continue;
      let n = starts.length;
      while (starts[n - 1]! >= hi) n--;
      near.push(n < starts.length ? starts.slice(0, n) : starts);
      nearOwners.push(owners[i]!);
      candidates += n;
    }
    const busy = await readBusy(db(), nearOwners, byId, lo, hi);
    const free: number[][] = [];
    const freeOwners: CachedDoctor[] = [];
    let freeCount = 0;
    for (let i = 0; i < near.length; i++) {
      const d = nearOwners[i]!;
      const b = busy.get(d.id);
      const starts = b ? dropBusyStarts(d.plan, near[i]!, b) : near[i]!;
      if (!starts.length) continue;
      free.push(starts);
      freeOwners.push(d);
      freeCount += starts.length;
    }
    // The page's next slots by (start, doctor id): a merge of the per-doctor lists that stops once
    // the page is full, instead of an object per candidate and a sort of them all.
    mergeByStart(free, limit + 1 - found.length, (i, t) => {
      const d = freeOwners[i]!;
      const slotMs = d.plan.availability.slotMinutes * MINUTE_MS;
      found.push({ doctorId: d.id, startsAt: new Date(t), endsAt: new Date(t + slotMs) });
    });
    freeShare = freeCount / candidates;
    lo = hi;
    // The next stretch starts where this one ended: its grid is laid out again from the first span.
    span = GRID_SPAN_MS;
  }
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: found.length > limit && last ? encodeCursor([last.startsAt.getTime(), last.doctorId]) : null,
  };
}
