/**
 * Free slots of a stored doctor: the pure rules of slots.ts fed with the doctor's availability and
 * live appointments. Booking, rescheduling and follow-ups use {@link assertSlotFree} on what
 * {@link loadDoctorSchedule} read, so they can never accept a time the listing would not offer.
 */
import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import {
  AppError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  ValidationError,
} from '../../lib/errors.js';
import { type Availability, DEFAULT_AVAILABILITY } from './availability.js';
import { type BookableDoctor, availabilityFromRow, loadBookableDoctor } from './doctor-availability.js';
import { doctorScheduleCache } from './doctor-cache.js';
import {
  type BusyInterval,
  MAX_SLOT_RANGE_DAYS,
  type SlotPlan,
  freeSlotStarts,
  isBookableSlot,
  prepareSlotPlan,
} from './slots.js';
import { isPlainDate, resolveRange } from '../../lib/time-range.js';

/** Statuses that hold a doctor's time (the same list as the exclusion constraint's WHERE). */
export const LIVE_STATUSES = ['pending', 'confirmed'] as const;

const DAY_MS = 24 * 60 * 60_000;
const MINUTE_MS = 60_000;

/**
 * A stored appointment as a busy interval under the doctor's current buffer `b`.
 *
 * slots.ts pads each candidate with the *current* buffer on both sides; the database pads each
 * stored appointment's end with the buffer it was booked with. Extending a busy end by the amount a
 * stored buffer exceeds the current one makes the listing at least as strict as the exclusion
 * constraint, so it never offers a time the database would refuse.
 */
function toBusy(startsAtMs: number, endsAtMs: number, bufferMinutes: number, b: number): BusyInterval {
  return {
    startsAt: new Date(startsAtMs),
    endsAt: new Date(endsAtMs + Math.max(0, bufferMinutes - b) * MINUTE_MS),
  };
}

/** What {@link loadDoctorSchedule} reads besides the doctor's calendar, for a booking. */
export interface ScheduleExtras {
  /** A live appointment to ignore (the one being moved). */
  excludeAppointmentId?: string;
  /** Also report whether this patient can be booked (exists, not deleted). */
  patientId?: string;
  /**
   * Also reserve an `appointment_status_history` id, only when the doctor and the patient were
   * found (a refused booking may still leave a gap in the sequence, as a rolled-back one always did).
   */
  reserveHistoryId?: boolean;
}

/** A bookable doctor with their availability and the busy intervals of a window, read at one instant. */
export interface DoctorSchedule {
  doctor: BookableDoctor;
  availability: Availability;
  busy: BusyInterval[];
  /** Whether {@link ScheduleExtras.patientId} can be booked; true when none was asked for. */
  patientFound: boolean;
  /** The reserved history id, when asked for and the patient was found. */
  historyId: number | null;
  /** The transaction's `now()`, which becomes a new row's `created_at`. */
  now: Date;
}

/**
 * Loads a bookable doctor (404 `doctor` otherwise, like loadBookableDoctor), their availability
 * (like loadAvailability) and the live appointments that can block a slot starting in `[from, to]`
 * in ONE statement, plus a booking's other reads ({@link ScheduleExtras}).
 *
 * The busy bounds are exact rather than a fixed margin: a candidate `[s, s + slot)` with
 * `from ≤ s ≤ to`, padded by the current buffer `b`, meets a stored appointment only if that starts
 * before `to + slot + b` and its end plus `max(its buffer, b)` lies after `from`.
 *
 * Why one statement: every database round trip costs the API process a socket write and a wait,
 * and the separate reads made up most of a booking's and a slot listing's round trips
 * (bench/README.md). The busy bounds use the stored availability, or the defaults when the
 * doctor has none, exactly as the separate queries did.
 */
export async function loadDoctorSchedule(
  trx: Knex,
  doctorId: string,
  from: Date,
  to: Date,
  extras: ScheduleExtras = {},
): Promise<DoctorSchedule> {
  const defaults = DEFAULT_AVAILABILITY('UTC');
  const patient = extras.patientId
    ? 'exists (select 1 from patients p where p.id = ?::uuid and p.deleted_at is null)'
    : 'true';
  const patientBindings = extras.patientId ? [extras.patientId] : [];
  const historyId = extras.reserveHistoryId
    ? `case when ${patient} then nextval(pg_get_serial_sequence('appointment_status_history', 'id')) end`
    : 'null::bigint';
  const { rows } = await trx.raw(
    `select d.id, u.name, u.email, d.contact_email as "contactEmail", d.time_zone as "timeZone",
            d.fee_cents as "feeCents", d.currency,
            a.slot_minutes as "slotMinutes", a.buffer_minutes as "bufferMinutes",
            a.min_notice_minutes as "minNoticeMinutes", a.horizon_days as "horizonDays",
            a.weekly, a.overrides, a.doctor_id is not null as "hasAvailability",
            busy.intervals as busy, ${patient} as "patientFound", ${historyId} as "historyId",
            now() as now
       from doctors d
       join users u on u.id = d.id
       left join doctor_availability a on a.doctor_id = d.id
       cross join lateral (
         select coalesce(json_agg(json_build_array(
                  (extract(epoch from ap.starts_at) * 1000)::float8,
                  (extract(epoch from ap.ends_at) * 1000)::float8,
                  ap.buffer_minutes) order by ap.starts_at), '[]'::json) as intervals
           from appointments ap
          where ap.doctor_id = d.id
            and ap.status in (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})
            -- A superset of the two exact conditions below that the exclusion constraint's GiST
            -- index answers, so only the appointments near the window are read, not the doctor's
            -- whole calendar.
            and tstzrange(ap.starts_at, add_minutes(ap.ends_at, ap.buffer_minutes), '[)')
                && tstzrange(add_minutes(?::timestamptz, -coalesce(a.buffer_minutes, ?::int)),
                             add_minutes(?::timestamptz, coalesce(a.slot_minutes, ?::int) + coalesce(a.buffer_minutes, ?::int)), '[)')
            and ap.starts_at < add_minutes(?::timestamptz,
                  coalesce(a.slot_minutes, ?::int) + coalesce(a.buffer_minutes, ?::int))
            and add_minutes(ap.ends_at, greatest(ap.buffer_minutes, coalesce(a.buffer_minutes, ?::int))) > ?::timestamptz
            and (?::uuid is null or ap.id <> ?::uuid)
       ) busy
      where d.id = ?::uuid and u.role = 'doctor' and u.status = 'active'`,
    [
      ...patientBindings,
      ...(extras.reserveHistoryId ? patientBindings : []),
      from,
      defaults.bufferMinutes,
      to,
      defaults.slotMinutes,
      defaults.bufferMinutes,
      to,
      defaults.slotMinutes,
      defaults.bufferMinutes,
      defaults.bufferMinutes,
      from,
      extras.excludeAppointmentId ?? null,
      extras.excludeAppointmentId ?? null,
      doctorId,
    ],
  );
  const row = (rows as ScheduleRow[])[0];
  if (!row) throw new NotFoundError('doctor');
  const doctor: BookableDoctor = {
    id: row.id,
    name: row.name,
    email: row.email,
    contactEmail: row.contactEmail,
    timeZone: row.timeZone,
    feeCents: row.feeCents,
    currency: row.currency,
  };
  const availability = availabilityFromRow(row.hasAvailability ? row : null, row.timeZone);
  const b = availability.bufferMinutes;
  return {
    doctor,
    availability,
    busy: row.busy.map(([s, e, buffer]) => toBusy(s, e, buffer, b)),
    patientFound: row.patientFound,
    historyId: row.historyId,
    now: row.now,
  };
}

/** A row of {@link loadDoctorSchedule}'s statement. */
interface ScheduleRow extends BookableDoctor {
  slotMinutes: number;
  bufferMinutes: number;
  minNoticeMinutes: number;
  horizonDays: number;
  weekly: Availability['weekly'];
  overrides: Availability['overrides'];
  hasAvailability: boolean;
  busy: [number, number, number][];
  patientFound: boolean;
  historyId: number | null;
  now: Date;
}

/** Query of {@link listFreeSlots}. (Default: from = now, to = from + 7 days) */
/** `[from, to)`: ISO date-times, or plain dates meaning whole days in the doctor's zone. */
export interface SlotWindow {
  from?: string;
  to?: string;
}

/**
 * Lists a bookable doctor's free slots starting in `[from, to)`, in UTC, computed in the doctor's zone,
 * as start instants (ms since the epoch, ascending); each slot lasts `slotMinutes`.
 * The window may span at most MAX_SLOT_RANGE_DAYS days; a wider or reversed one is a 400.
 *
 * The doctor's zone and parsed availability come from the process's cache when it holds them
 * (domain/scheduling/doctor-cache.ts): then one statement reads only the appointments of the
 * window. Otherwise {@link loadDoctorSchedule} reads everything at once and the cache keeps the doctor.
 */
export async function listFreeSlots(
  doctorId: string,
  window: SlotWindow,
  now = new Date(),
): Promise<{ timeZone: string; slotMinutes: number; starts: number[] }> {
  const cache = doctorScheduleCache();
  const epoch = cache.epoch;
  const cached = cache.doctor(doctorId);
  // Plain dates are days in the doctor's zone, which only the doctor's row knows.
  const plain = [window.from, window.to].some((v) => v !== undefined && isPlainDate(v));
  const zone = plain ? (cached?.timeZone ?? (await loadBookableDoctor(db(), doctorId)).timeZone) : 'UTC';
  const bounds = resolveRange(window, zone);
  const from = bounds.from ?? now;
  const to = bounds.to ?? new Date(from.getTime() + 7 * DAY_MS);
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
  let plan: SlotPlan;
  let busy: number[];
  if (cached) {
    plan = cached.plan;
    busy = await loadBusyMs(db(), cached.id, plan.availability, from, to);
  } else {
    const schedule = await loadDoctorSchedule(db(), doctorId, from, to);
    plan = prepareSlotPlan(schedule.availability);
    cache.storeDoctor({ id: schedule.doctor.id, timeZone: schedule.doctor.timeZone, plan }, epoch);
    busy = [];
    for (const b of schedule.busy) busy.push(b.startsAt.getTime(), b.endsAt.getTime());
  }
  const a = plan.availability;
  return {
    timeZone: a.timeZone,
    slotMinutes: a.slotMinutes,
    starts: freeSlotStarts(plan, { fromMs: from.getTime(), toMs: to.getTime(), nowMs: now.getTime(), busy }),
  };
}

/** Text of {@link loadBusyMs}'s statement, prepared once per connection under one name. */
const BUSY_SQL = `select (extract(epoch from ap.starts_at) * 1000)::float8,
                         (extract(epoch from ap.ends_at) * 1000)::float8,
                         ap.buffer_minutes
                    from appointments ap
                   where ap.doctor_id = ?::uuid
                     and ap.status in (${LIVE_STATUSES.map((s) => `'${s}'`).join(', ')})
                     and tstzrange(ap.starts_at, add_minutes(ap.ends_at, ap.buffer_minutes), '[)')
                         && tstzrange(add_minutes(?::timestamptz, -?::int), add_minutes(?::timestamptz, ?::int), '[)')
                     and ap.starts_at < add_minutes(?::timestamptz, ?::int)
                     and add_minutes(ap.ends_at, greatest(ap.buffer_minutes, ?::int)) > ?::timestamptz`;

/**
 * The busy intervals (flat `[start, end, …]` pairs, ms) of a doctor's live appointments that can
 * block a slot starting in `[from, to]` under `availability`: the same bounds and the same
 * stored-buffer rule as {@link loadDoctorSchedule}'s busy part.
 *
 * Columns come back as plain numbers in arrays (no JSON to parse, no object per row), and the
 * statement is prepared once per pooled connection.
 */
export async function loadBusyMs(
  knex: Knex,
  doctorId: string,
  availability: Availability,
  from: Date,
  to: Date,
): Promise<number[]> {
  const b = availability.bufferMinutes;
  const reach = availability.slotMinutes + b;
  const { rows } = (await knex
    .raw(BUSY_SQL, [doctorId, from, b, to, reach, to, reach, b, from])
    .options({ name: 'clinicflow_doctor_busy_v1', rowMode: 'array' })) as {
    rows: [number, number, number][];
  };
  const busy = new Array<number>(rows.length * 2);
  for (let i = 0; i < rows.length; i++) {
    const [s, e, buffer] = rows[i]!;
    busy[2 * i] = s;
    busy[2 * i + 1] = e + Math.max(0, buffer - b) * MINUTE_MS;
  }
  return busy;
}

/**
 * Throws unless `startsAt` is a free slot of the doctor right now, given busy intervals loaded for a
 * window containing it (by {@link loadDoctorSchedule}): 400 `not_a_slot` when it is not on the
 * doctor's grid at all (outside hours, off the grid, too soon, beyond the horizon, in the past),
 * 409 `slot_taken` when it is on the grid but taken. Concurrent bookings that both pass this check
 * are still separated by the exclusion constraint.
 */
export function assertSlotFree(
  availability: Availability,
  busy: readonly BusyInterval[],
  startsAt: Date,
  now: Date,
): void {
  // The grid is computed a second time (without appointments) only to tell a refusal's reason.
  if (isBookableSlot({ availability, startsAt, now, busy })) return;
  if (!isBookableSlot({ availability, startsAt, now, busy: [] })) {
    throw new BadRequestError(
      'not_a_slot',
      "That time is not one of the doctor's slots (outside visiting hours, off the slot grid, too soon or too far ahead).",
    );
  }
  throw slotTaken();
}

/** The 409 a client sees when the time is already held by another appointment. */
export const slotTaken = (): AppError => new ConflictError('slot_taken', 'That time is no longer available.');
