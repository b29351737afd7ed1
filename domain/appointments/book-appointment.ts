import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { addJobsQuery, assertJobsQueued } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import type { BookableDoctor } from '../scheduling/doctor-availability.js';
import { assertSlotFree, loadDoctorSchedule } from '../scheduling/free-slots.js';
import { slotEnd } from '../scheduling/slots.js';
import type { AppointmentRow } from './appointment.js';
import { appointmentEmailJobs, expireUnpaidKey } from './appointment-jobs.js';
import type { BookAppointmentInput } from './schemas.js';

const MINUTE_MS = 60_000;

/** Which patient an actor books for: a patient only for themself, staff and admins for anyone. */
function patientFor(actor: Actor, requested: string | undefined): string {
  if (actor.role === 'patient') {
    if (!actor.patientId || (requested !== undefined && requested !== actor.patientId))
      throw new NotFoundError('patient');
    return actor.patientId;
  }
  if (!requested) {
    throw new ValidationError('The request is invalid.', [
      { path: '/patientId', message: 'is required when booking for a patient' },
    ]);
  }
  return requested;
}

/** What {@link insertAppointment} needs; the slot must already be known to be free. */
export interface NewAppointment {
  doctor: BookableDoctor;
  patientId: string;
  startsAt: Date;
  endsAt: Date;
  bufferMinutes: number;
  reason?: string;
  followUpOf?: string;
  actor: Actor;
  /**
   * The history row's id and the transaction's `now()`, when the caller already fetched them with
   * its reads (bookAppointment does, to save a round trip); otherwise fetched here.
   */
  reserved?: { historyId: number; now: Date };
}

/**
 * Inserts a pending appointment with its history row, booked emails and, when the doctor charges a
 * fee, the job that releases the slot if payment does not arrive within PAYMENT_HOLD_MINUTES.
 * Copies the fee, currency and refund policy onto the row, so later changes never reprice it.
 *
 * The appointment insert takes the doctor's booking lock (trigger `appointments_lock_doctor_ins_trg`)
 * until COMMIT, so every booking of one doctor waits for the statements between them. Everything
 * that does not need the row therefore comes first — the history row's id and the transaction's
 * `now()` (which becomes `created_at`) are fetched with the caller's reads — and the row, its
 * history row and its jobs (invisible until COMMIT, gone on rollback) are written by one statement
 * right before COMMIT.
 * Measured with one doctor and 50 concurrent bookings: while the lock spanned five round trips
 * (insert, history row, two email jobs, COMMIT), most pooled connections sat waiting on it
 * (bench/README.md).
 */
export async function insertAppointment(trx: Knex, a: NewAppointment): Promise<AppointmentRow> {
  const { config } = services();
  const id = randomUUID();
  const { historyId, now } = a.reserved ?? (await reserveHistoryId(trx));
  // The booked emails and the unpaid-hold expiry: one add_jobs call, in the insert's own statement.
  const jobs = appointmentEmailJobs(id, 'booked', ['patient', 'doctor'], historyId);
  if (a.doctor.feeCents > 0) {
    jobs.push({
      task: 'expire_unpaid_appointment',
      payload: { appointmentId: id },
      // created_at defaults to the transaction's now(), so this is created_at + the hold.
      runAt: new Date(now.getTime() + config.paymentHoldMinutes * MINUTE_MS),
      jobKey: expireUnpaidKey(id),
      maxAttempts: 10,
    });
  }
  // The history row is what recordStatusChange writes for `null → pending`, with the reserved id.
  const [{ jobsQueued, ...row }] = (await trx
    .with(
      'appointment',
      trx('appointments')
        .insert({
          id,
          doctorId: a.doctor.id,
          patientId: a.patientId,
          startsAt: a.startsAt,
          endsAt: a.endsAt,
          bufferMinutes: a.bufferMinutes,
          status: 'pending',
          feeCents: a.doctor.feeCents,
          currency: a.doctor.currency,
          refundPolicy: JSON.stringify({ ...config.refundPolicy, noShowPercent: 0 }),
          reason: a.reason ?? null,
          followUpOf: a.followUpOf ?? null,
          createdBy: a.actor.userId,
        })
        .returning('*'),
    )
    .with(
      'history',
      trx.raw(
        `insert into appointment_status_history (id, appointment_id, from_status, to_status, actor_id)
         overriding system value select ?, id, null, 'pending', ? from appointment`,
        [historyId, a.actor.userId],
      ),
    )
    .with('jobs', addJobsQuery(trx, jobs))
    .select('appointment.*', trx.raw('(select n from jobs) as "jobsQueued"'))
    .from('appointment')) as (AppointmentRow & { jobsQueued: number })[];
  assertJobsQueued(jobs, jobsQueued);
  return row;
}

/** Reserves the history row's id and reads the transaction's `now()` (see {@link insertAppointment}). */
async function reserveHistoryId(trx: Knex): Promise<{ historyId: number; now: Date }> {
  const { rows } = await trx.raw(
    `select nextval(pg_get_serial_sequence('appointment_status_history', 'id')) as "historyId", now() as "now"`,
  );
  return rows[0] as { historyId: number; now: Date };
}

/**
 * Books a free slot as a pending appointment. A patient books for themself; staff and admins for any
 * patient. 400 `not_a_slot` for a time that is not a slot of the doctor, 409 `slot_taken` when it is
 * taken — also when a concurrent booking commits first, which the exclusion constraint
 * `appointments_no_overlap_excl` detects.
 */
export function bookAppointment(
  actor: Actor,
  input: BookAppointmentInput,
  now = new Date(),
): Promise<AppointmentRow> {
  const patientId = patientFor(actor, input.patientId);
  return withTransaction(async (trx) => {
    const startsAt = new Date(input.startsAt);
    // Doctor, patient, availability, the busy intervals around the slot and the history id in one
    // round trip; the checks keep their order (404 doctor, 404 patient, 400 not_a_slot, 409).
    const schedule = await loadDoctorSchedule(trx, input.doctorId, startsAt, startsAt, {
      patientId,
      reserveHistoryId: true,
    });
    if (!schedule.patientFound) throw new NotFoundError('patient');
    const { doctor, availability } = schedule;
    assertSlotFree(availability, schedule.busy, startsAt, now);
    return insertAppointment(trx, {
      doctor,
      patientId,
      startsAt,
      endsAt: slotEnd(availability, startsAt),
      bufferMinutes: availability.bufferMinutes,
      reason: input.reason,
      actor,
      reserved: { historyId: schedule.historyId!, now: schedule.now },
    });
  });
}
