/**
 * Free slots of a stored doctor: the pure rules of slots.ts fed with the doctor's availability and
 * live appointments. Booking and rescheduling use {@link assertBookableSlot}, so they can never
 * accept a time the listing would not offer.
 */
import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { AppError, BadRequestError, ConflictError, ValidationError } from '../../lib/errors.js';
import type { Availability } from './availability.js';
import { loadAvailability, loadBookableDoctor } from './doctor-availability.js';
import {
  type BusyInterval,
  MAX_SLOT_RANGE_DAYS,
  type Slot,
  computeFreeSlots,
  isBookableSlot,
} from './slots.js';

/** Statuses that hold a doctor's time (the same list as the exclusion constraint's WHERE). */
export const LIVE_STATUSES = ['pending', 'confirmed'] as const;

const DAY_MS = 24 * 60 * 60_000;
const MINUTE_MS = 60_000;

/**
 * Live appointments of a doctor that can block a slot starting in `[from, to]`, as busy intervals
 * for slots.ts.
 *
 * slots.ts pads each candidate with the doctor's *current* buffer on both sides; the database pads
 * each stored appointment's end with the buffer it was booked with. Extending a busy end by the
 * amount a stored buffer exceeds the current one makes the listing at least as strict as the
 * exclusion constraint, so it never offers a time the database would refuse.
 *
 * The bounds are exact rather than a fixed margin: a candidate `[s, s + slot)` with `from ≤ s ≤ to`
 * padded by the current buffer `b` meets a stored appointment only if it starts before
 * `to + slot + b` and its end plus `max(its buffer, b)` lies after `from`. A fixed day of margin
 * loaded up to two days of a busy calendar for every booking (576 rows with 5-minute slots).
 */
export async function loadBusyIntervals(
  trx: Knex,
  doctorId: string,
  availability: Availability,
  from: Date,
  to: Date,
  excludeAppointmentId?: string,
): Promise<BusyInterval[]> {
  const b = availability.bufferMinutes;
  const rows: { startsAt: Date; endsAt: Date; bufferMinutes: number }[] = await trx('appointments')
    .where({ doctorId })
    .whereIn('status', LIVE_STATUSES)
    .andWhere('startsAt', '<', new Date(to.getTime() + (availability.slotMinutes + b) * MINUTE_MS))
    .andWhereRaw('add_minutes(ends_at, greatest(buffer_minutes, ?::int)) > ?', [b, from])
    .modify((q) => {
      if (excludeAppointmentId) q.whereNot('id', excludeAppointmentId);
    })
    .select('startsAt', 'endsAt', 'bufferMinutes');
  return rows.map((r) => ({
    startsAt: r.startsAt,
    endsAt: new Date(r.endsAt.getTime() + Math.max(0, r.bufferMinutes - b) * MINUTE_MS),
  }));
}

/** Query of {@link listFreeSlots}. (Default: from = now, to = from + 7 days) */
export interface SlotWindow {
  from?: Date;
  to?: Date;
}

/**
 * Lists a bookable doctor's free slots starting in `[from, to)`, in UTC, computed in the doctor's zone.
 * The window may span at most MAX_SLOT_RANGE_DAYS days; a wider or reversed one is a 400.
 */
export async function listFreeSlots(
  doctorId: string,
  window: SlotWindow,
  now = new Date(),
): Promise<{ timeZone: string; slots: Slot[] }> {
  const from = window.from ?? now;
  const to = window.to ?? new Date(from.getTime() + 7 * DAY_MS);
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
  const knex = db();
  const doctor = await loadBookableDoctor(knex, doctorId);
  const availability = await loadAvailability(knex, doctor.id, doctor.timeZone);
  const busy = await loadBusyIntervals(knex, doctor.id, availability, from, to);
  return { timeZone: availability.timeZone, slots: computeFreeSlots({ availability, from, to, now, busy }) };
}

/**
 * Throws unless `startsAt` is a free slot of the doctor right now: 400 `not_a_slot` when it is not
 * on the doctor's grid at all (outside hours, off the grid, too soon, beyond the horizon, in the
 * past), 409 `slot_taken` when it is on the grid but taken. Concurrent bookings that both pass this
 * check are still separated by the exclusion constraint.
 */
export async function assertBookableSlot(
  trx: Knex,
  doctorId: string,
  availability: Availability,
  startsAt: Date,
  now: Date,
  excludeAppointmentId?: string,
): Promise<void> {
  const busy = await loadBusyIntervals(trx, doctorId, availability, startsAt, startsAt, excludeAppointmentId);
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
