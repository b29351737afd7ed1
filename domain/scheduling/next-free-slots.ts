/**
 * "The next available cardiologist": the first free slots across every bookable doctor of a
 * specialization, ordered by time, each one a slot `POST /appointments` accepts as it stands.
 */
import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { decodeCursor, encodeCursor } from '../../db/pagination.js';
import { ValidationError } from '../../lib/errors.js';
import type { Availability } from './availability.js';
import { availabilityFromRow, type AvailabilityRow } from './doctor-availability.js';
import { LIVE_STATUSES } from './free-slots.js';
import { type BusyInterval, MAX_SLOT_RANGE_DAYS, computeFreeSlotStarts } from './slots.js';

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

interface Doctor {
  id: string;
  availability: Availability;
}

/**
 * Reads the doctors (with availability) and the live appointments that can block a slot starting in
 * `[lo, hi)`, for all doctors in one statement. `ids` narrows the doctors on later stretches.
 */
async function readSchedules(
  knex: Knex,
  q: { specialization?: string; ids?: string[] },
  lo: Date,
  hi: Date,
): Promise<{ doctors: Doctor[]; busy: Map<string, BusyInterval[]> }> {
  const { rows } = await knex.raw(
    `with docs as (
       select d.id, d.time_zone as "timeZone",
              a.slot_minutes as "slotMinutes", a.buffer_minutes as "bufferMinutes",
              a.min_notice_minutes as "minNoticeMinutes", a.horizon_days as "horizonDays",
              a.weekly, a.overrides
         from doctors d
         join users u on u.id = d.id and u.role = 'doctor' and u.status = 'active'
         join doctor_availability a on a.doctor_id = d.id
        where (?::text is null or lower(d.specialization) = lower(?::text))
          and (?::uuid[] is null or d.id = any(?::uuid[]))
     ), near as materialized (
       -- One scan of appointments_live_time_idx for all doctors, widened by the largest buffer
       -- and slot of these doctors: a superset of what can block a slot starting in [lo, hi)
       -- (computeFreeSlots tests each candidate exactly).
       select ap.doctor_id, ap.starts_at, ap.ends_at, ap.buffer_minutes
         from appointments ap
        where ap.status in (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})
          and tstzrange(ap.starts_at, add_minutes(ap.ends_at, ap.buffer_minutes), '[)')
              && tstzrange(add_minutes(?::timestamptz, -(select coalesce(max("bufferMinutes"), 0) from docs)),
                           add_minutes(?::timestamptz, (select coalesce(max("slotMinutes" + "bufferMinutes"), 0) from docs)),
                           '[)')
     ), busy as (
       select doctor_id, json_agg(json_build_array((extract(epoch from starts_at) * 1000)::float8,
                                                   (extract(epoch from ends_at) * 1000)::float8,
                                                   buffer_minutes)) as intervals
         from near group by doctor_id
     )
     select docs.*, busy.intervals as busy from docs left join busy on busy.doctor_id = docs.id`,
    [q.specialization ?? null, q.specialization ?? null, q.ids ?? null, q.ids ?? null, lo, hi],
  );
  const doctors: Doctor[] = [];
  const busy = new Map<string, BusyInterval[]>();
  for (const row of rows as (AvailabilityRow & {
    id: string;
    timeZone: string;
    busy: number[][] | null;
  })[]) {
    const availability = availabilityFromRow(row, row.timeZone);
    doctors.push({ id: row.id, availability });
    // As in loadDoctorSchedule: a stored buffer above the current one lengthens the busy interval.
    busy.set(
      row.id,
      (row.busy ?? []).map(([s, e, b]) => ({
        startsAt: new Date(s),
        endsAt: new Date(e + Math.max(0, b - availability.bufferMinutes) * MINUTE_MS),
      })),
    );
  }
  return { doctors, busy };
}

/**
 * The first `limit` free slots starting in `[from, to)` across the doctors, ordered by start and
 * then doctor id, with a cursor for the next page.
 *
 * Each doctor's slots come from computeFreeSlots (their own zone, hours, notice, buffers, horizon,
 * appointments), the same rules booking checks. The search reads everything it needs in one
 * statement for the first four hours after the page's start, and only when that stretch holds
 * fewer than a page, one more statement per wider stretch (×4 each time: 16 h, 64 h, …), so a page
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
  const found: DoctorSlot[] = [];
  let span = FIRST_SPAN_MS;
  let doctors: Doctor[] | undefined;
  while (lo < end && found.length <= limit) {
    const hi = Math.min(end, lo + span);
    const read = await readSchedules(
      db(),
      { specialization: query.specialization, ids: doctors?.map((d) => d.id) },
      new Date(lo),
      new Date(hi),
    );
    doctors ??= read.doctors;
    if (!doctors.length) break;
    const stretch: { doctorId: string; t: number; slotMs: number }[] = [];
    for (const d of read.doctors) {
      const starts = computeFreeSlotStarts({
        availability: d.availability,
        from: new Date(lo),
        to: new Date(hi),
        now,
        busy: read.busy.get(d.id) ?? [],
        // A doctor's slots past a page's worth cannot make it into the page (one more: the slot at
        // the cursor's instant, which the cursor may exclude).
        limit: limit + 2,
      });
      const slotMs = d.availability.slotMinutes * MINUTE_MS;
      for (const t of starts) {
        if (after && (t < after.t || (t === after.t && d.id <= after.doctorId))) continue;
        stretch.push({ doctorId: d.id, t, slotMs });
      }
    }
    stretch.sort((x, y) => x.t - y.t || (x.doctorId < y.doctorId ? -1 : x.doctorId > y.doctorId ? 1 : 0));
    for (const s of stretch) {
      found.push({ doctorId: s.doctorId, startsAt: new Date(s.t), endsAt: new Date(s.t + s.slotMs) });
      if (found.length > limit) break;
    }
    lo = hi;
    span *= 4;
  }
  const items = found.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items,
    nextCursor: found.length > limit && last ? encodeCursor([last.startsAt.getTime(), last.doctorId]) : null,
  };
}
