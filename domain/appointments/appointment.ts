/**
 * The appointment row, who may see it, and the status history every change writes.
 */
import type { Knex } from 'knex';
import { NotFoundError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import type { PaymentStatus } from '../payments/payment-state.js';

export const APPOINTMENT_STATUSES = [
  'pending',
  'confirmed',
  'completed',
  'cancelled',
  'no-show',
  'rejected',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

/** An appointments row as Knex returns it (camelCase). */
export interface AppointmentRow {
  id: string;
  doctorId: string;
  patientId: string;
  startsAt: Date;
  endsAt: Date;
  bufferMinutes: number;
  status: AppointmentStatus;
  paymentStatus: PaymentStatus;
  feeCents: number;
  currency: string;
  refundPolicy: Record<string, unknown>;
  reason: string | null;
  followUpOf: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * Restricts an appointments query to what `actor` may see: a patient their own, a doctor theirs,
 * nurses, staff and admins all. `alias` prefixes the columns when the query joins other tables.
 */
export function scopeToActor<Q extends Knex.QueryBuilder>(q: Q, actor: Actor, alias = 'appointments'): Q {
  if (actor.role === 'patient') {
    // A patient user without a profile sees nothing (never everything).
    q.where(`${alias}.patientId`, actor.patientId ?? '00000000-0000-0000-0000-000000000000');
  } else if (actor.role === 'doctor') {
    q.where(`${alias}.doctorId`, actor.userId);
  }
  return q;
}

/**
 * Loads an appointment the actor may see, optionally locking it for a state change.
 * Missing and "not yours" are both 404, so other people's appointments never leak.
 */
export async function loadVisibleAppointment(
  trx: Knex,
  actor: Actor | null,
  id: string,
  opts: { forUpdate?: boolean } = {},
): Promise<AppointmentRow> {
  const q = trx('appointments').where('appointments.id', id).first();
  if (actor) scopeToActor(q, actor);
  if (opts.forUpdate) q.forUpdate();
  const row = (await q) as AppointmentRow | undefined;
  if (!row) throw new NotFoundError('appointment');
  return row;
}

/** One status-history entry; reschedules keep the status and carry the old and new start. */
export interface StatusChange {
  from: AppointmentStatus | null;
  to: AppointmentStatus;
  actor: Actor | null;
  reason?: string | null;
  fromStartsAt?: Date;
  toStartsAt?: Date;
}

/** Appends a status-history row (who, when, from, to, why) and returns its id. */
export async function recordStatusChange(
  trx: Knex,
  appointmentId: string,
  change: StatusChange,
): Promise<number> {
  const [row] = await trx('appointmentStatusHistory')
    .insert({
      appointmentId,
      fromStatus: change.from,
      toStatus: change.to,
      actorId: change.actor?.userId ?? null,
      reason: change.reason ?? null,
      fromStartsAt: change.fromStartsAt ?? null,
      toStartsAt: change.toStartsAt ?? null,
    })
    .returning('id');
  return Number(row.id);
}

/** Sets a new status (and `updated_at`) on a row already locked by the caller; returns the updated row. */
export async function setStatus(trx: Knex, id: string, status: AppointmentStatus): Promise<AppointmentRow> {
  const [row] = await trx('appointments')
    .where({ id })
    .update({ status, updatedAt: trx.fn.now() })
    .returning('*');
  return row as AppointmentRow;
}
