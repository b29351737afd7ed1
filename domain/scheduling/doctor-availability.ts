/**
 * Reading and replacing a doctor's availability, and finding the doctors that can be booked.
 */
import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { type Actor, isAdmin } from '../auth/actor.js';
import { type Availability, DEFAULT_AVAILABILITY, validateAvailability } from './availability.js';
import { doctorScheduleChanged } from './doctor-cache.js';

/** A bookable doctor: an active user with a doctors row. */
export interface BookableDoctor {
  id: string;
  name: string;
  email: string;
  contactEmail: string | null;
  timeZone: string;
  feeCents: number;
  currency: string;
}

/**
 * Loads a doctor that patients may see and book: an active `doctor` account with a doctors row.
 * Throws NotFoundError otherwise, so pending or removed doctors look the same as unknown ids.
 */
export async function loadBookableDoctor(trx: Knex, doctorId: string): Promise<BookableDoctor> {
  const row = await trx('doctors as d')
    .join('users as u', 'u.id', 'd.id')
    .where('d.id', doctorId)
    .andWhere('u.role', 'doctor')
    .andWhere('u.status', 'active')
    .first('d.id', 'u.name', 'u.email', 'd.contactEmail', 'd.timeZone', 'd.feeCents', 'd.currency');
  if (!row) throw new NotFoundError('doctor');
  return row as BookableDoctor;
}

/** Loads the stored availability of a doctor whose zone is `timeZone`; no row means no hours yet. */
export async function loadAvailability(trx: Knex, doctorId: string, timeZone: string): Promise<Availability> {
  const row = await trx('doctorAvailability').where({ doctorId }).first();
  return availabilityFromRow(row, timeZone);
}

/** The stored columns of a `doctor_availability` row, camelCased. */
export interface AvailabilityRow {
  slotMinutes: number;
  bufferMinutes: number;
  minNoticeMinutes: number;
  horizonDays: number;
  weekly: Availability['weekly'];
  overrides: Availability['overrides'];
}

/** The availability a stored row (or its absence: no hours yet) describes in the doctor's zone. */
export function availabilityFromRow(row: AvailabilityRow | null | undefined, timeZone: string): Availability {
  if (!row) return DEFAULT_AVAILABILITY(timeZone);
  return {
    timeZone,
    slotMinutes: row.slotMinutes,
    bufferMinutes: row.bufferMinutes,
    minNoticeMinutes: row.minNoticeMinutes,
    horizonDays: row.horizonDays,
    weekly: row.weekly,
    overrides: row.overrides,
  };
}

/** Loads an existing doctor for the availability routes: admins may also prepare a not-yet-active doctor. */
async function loadDoctorFor(
  actor: Actor,
  trx: Knex,
  doctorId: string,
): Promise<{ id: string; timeZone: string }> {
  if (!isAdmin(actor)) return loadBookableDoctor(trx, doctorId);
  const row = await trx('doctors as d')
    .join('users as u', 'u.id', 'd.id')
    .where('d.id', doctorId)
    .andWhereNot('u.status', 'removed')
    .first('d.id', 'd.timeZone');
  if (!row) throw new NotFoundError('doctor');
  return row as { id: string; timeZone: string };
}

/** Returns a doctor's availability (the empty default when none is set). Any signed-in caller may read it. */
export async function getDoctorAvailability(actor: Actor, doctorId: string): Promise<Availability> {
  const doctor = await loadDoctorFor(actor, db(), doctorId);
  return loadAvailability(db(), doctor.id, doctor.timeZone);
}

/**
 * Replaces a doctor's availability as a whole; a doctor sets their own, admins anyone's.
 *
 * The time zone is written to `doctors.time_zone`, the doctor's single zone. Existing appointments
 * keep their instants: a changed zone or grid affects only slots offered from now on.
 * Throws ValidationError (details with JSON pointers) for unknown zones, overlapping ranges etc.
 */
export async function putDoctorAvailability(
  actor: Actor,
  doctorId: string,
  input: Availability,
): Promise<Availability> {
  if (!isAdmin(actor) && actor.userId !== doctorId) {
    throw new ForbiddenError('forbidden', "Only the doctor or an admin may change a doctor's availability.");
  }
  const problems = validateAvailability(input);
  if (problems.length > 0) throw new ValidationError('The availability is invalid.', problems);
  const saved = await withTransaction(async (trx) => {
    const doctor = await loadDoctorFor(actor, trx, doctorId);
    await trx('doctors')
      .where({ id: doctor.id })
      .update({ timeZone: input.timeZone, updatedAt: trx.fn.now() });
    const row = {
      doctorId: doctor.id,
      slotMinutes: input.slotMinutes,
      bufferMinutes: input.bufferMinutes,
      minNoticeMinutes: input.minNoticeMinutes,
      horizonDays: input.horizonDays,
      weekly: JSON.stringify(input.weekly.map((w) => ({ weekday: w.weekday, start: w.start, end: w.end }))),
      overrides: JSON.stringify(
        input.overrides.map((o) => ({
          date: o.date,
          ...(o.closed !== undefined ? { closed: o.closed } : {}),
          ...(o.ranges !== undefined
            ? { ranges: o.ranges.map((r) => ({ start: r.start, end: r.end })) }
            : {}),
        })),
      ),
      updatedBy: actor.userId,
      updatedAt: trx.fn.now(),
    };
    await trx('doctorAvailability').insert(row).onConflict('doctorId').merge();
    return loadAvailability(trx, doctor.id, input.timeZone);
  });
  // This process's next listing must see the change; other processes hear the trigger's NOTIFY.
  doctorScheduleChanged(doctorId);
  return saved;
}
