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
import { MAX_SLOT_RANGE_DAYS, freeSlotStarts, prepareSlotPlan } from './slots.js';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;
/** The first stretch of time searched; with many doctors most searches fill a page within it. */
const FIRST_SPAN_MS = 4 * 60 * MINUTE_MS;

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
                     and (?::uuid[] is null or ap.doctor_id = any(?::uuid[]))`;

/**
 * The live appointments that can block a slot starting in `[lo, hi)` for any of `doctors`, as busy
 * intervals (flat `[start, end, …]` pairs, ms) per doctor id, in one scan of
 * appointments_live_time_idx: the stretch widened by the largest buffer and slot of these doctors,
 * a superset of what matters (freeSlotStarts tests each candidate exactly). As in
 * loadDoctorSchedule, a stored buffer above the doctor's current one lengthens the interval.
 * `narrow`: only these doctors' rows (a specialization's few doctors out of many).
 */
async function readBusy(
  knex: Knex,
  doctors: readonly CachedDoctor[],
  byId: ReadonlyMap<string, CachedDoctor>,
  narrow: boolean,
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
  const ids = narrow ? doctors.map((d) => d.id) : null;
  const { rows } = (await knex
    .raw(NEAR_SQL, [new Date(lo), maxBuffer, new Date(hi), maxReach, ids, ids])
    .options({ name: 'clinicflow_near_busy_v1', rowMode: 'array' })) as {
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

/**
 * The first `limit` free slots starting in `[from, to)` across the doctors, ordered by start and
 * then doctor id, with a cursor for the next page.
 *
 * Each doctor's slots come from computeFreeSlots (their own zone, hours, notice, buffers, horizon,
 * appointments), the same rules booking checks. The search reads everything it needs in one
 * statement for the first four hours after the page's start, and only when that stretch holds
 * fewer than a page, one more statement per wider stretch (×4 each time: 16 h, 64 h, …; after a
 * stretch where nobody was free, from the next start any grid offers, 4 h again), so a page
 * usually costs one or two round trips, never one per doctor.
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
  let span = FIRST_SPAN_MS;
  const doctors = lo < end ? await bookableDoctors(db(), query.specialization) : [];
  const byId = new Map(doctors.map((d) => [d.id, d]));
  // A specialization's doctors are a few of many: their rows only. Every doctor: no filter.
  const narrow = query.specialization !== undefined;
  while (doctors.length && lo < end && found.length <= limit) {
    const hi = Math.min(end, lo + span);
    const busy = await readBusy(db(), doctors, byId, narrow, lo, hi);
    // Each doctor's free starts of the stretch, ascending, past the cursor.
    const lists: number[][] = [];
    const owners: CachedDoctor[] = [];
    for (const d of doctors) {
      const starts = freeSlotStarts(d.plan, {
        fromMs: lo,
        toMs: hi,
        nowMs,
        busy: busy.get(d.id) ?? NO_BUSY,
        // A doctor's slots past a page's worth cannot make it into the page (one more: the slot at
        // the cursor's instant, which the cursor may exclude).
        limit: limit + 2,
      });
      let first = 0;
      if (after) {
        while (first < starts.length && starts[first]! < after.t) first++;
        if (first < starts.length && starts[first] === after.t && d.id <= after.doctorId) first++;
      }
      if (first < starts.length) {
        lists.push(first ? starts.slice(first) : starts);
        owners.push(d);
      }
    }
    // The page's next slots by (start, doctor id): a merge of the per-doctor lists that stops once
    // the page is full, instead of an object per candidate and a sort of them all.
    mergeByStart(lists, limit + 1 - found.length, (i, t) => {
      const d = owners[i]!;
      const slotMs = d.plan.availability.slotMinutes * MINUTE_MS;
      found.push({ doctorId: d.id, startsAt: new Date(t), endsAt: new Date(t + slotMs) });
    });
    lo = hi;
    span *= 4;
    if (!lists.length && lo < end) {
      // Nobody was free in the stretch. When nobody even has hours next (a night, a Sunday), jump
      // to the first start any doctor's grid offers, found without the database (appointments only
      // ever remove slots, so nothing is skipped), and start small again: otherwise the widening
      // stretches would read days of appointments to fill one page.
      const open = firstGridStart(doctors, lo, end, nowMs);
      if (open > lo) {
        lo = Math.min(open, end);
        span = FIRST_SPAN_MS;
      }
    }
  }
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: found.length > limit && last ? encodeCursor([last.startsAt.getTime(), last.doctorId]) : null,
  };
}
