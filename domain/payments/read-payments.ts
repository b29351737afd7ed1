import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { ValidationError } from '../../lib/errors.js';
import { loadVisibleAppointment } from '../appointments/appointment.js';
import type { Actor } from '../auth/actor.js';
import type { PaymentRow, PaymentStatus, RefundRow } from './payment-state.js';
import type { ListPaymentsQuery } from './schemas.js';
import { clinicRangeBound } from '../../lib/time-range.js';

export interface AppointmentPayment {
  appointmentId: string;
  paymentStatus: PaymentStatus;
  feeCents: number;
  currency: string;
  payments: PaymentRow[];
  refunds: RefundRow[];
}

/**
 * The payment picture of one appointment: its `paymentStatus`, fee, every checkout attempt and every
 * refund. Visible to the appointment's patient and doctor and to admins (the route admits only those
 * roles); any other appointment is 404.
 */
export async function getAppointmentPayment(
  actor: Actor,
  appointmentId: string,
): Promise<AppointmentPayment> {
  const knex = db();
  const appointment = await loadVisibleAppointment(knex, actor, appointmentId);
  const payments = (await knex('payments')
    .where({ appointmentId })
    .orderBy('attempt', 'asc')
    .select('*')) as PaymentRow[];
  const refunds = payments.length
    ? ((await knex('refunds')
        .whereIn(
          'paymentId',
          payments.map((p) => p.id),
        )
        .orderBy([{ column: 'createdAt' }, { column: 'id' }])
        .select('*')) as RefundRow[])
    : [];
  return {
    appointmentId,
    paymentStatus: appointment.paymentStatus as PaymentStatus,
    feeCents: appointment.feeCents,
    currency: appointment.currency,
    payments,
    refunds,
  };
}

/** Payments newest first, keyset-paginated on (created_at, id), filtered by status, appointment and period. */
export async function listPayments(
  query: ListPaymentsQuery,
): Promise<{ items: PaymentRow[]; nextCursor: string | null }> {
  if (query.from && query.to && clinicRangeBound(query.from, 'from') >= clinicRangeBound(query.to, 'to')) {
    throw new ValidationError('The request is invalid.', [
      { path: '/query/to', message: 'must be after from' },
    ]);
  }
  const knex = db();
  // The cursor carries created_at as PostgreSQL prints it: microseconds survive, unlike a JS Date.
  const q = knex('payments').select('*', knex.raw('created_at::text as created_at_text'));
  if (query.status) q.where('status', query.status);
  if (query.appointmentId) q.where('appointmentId', query.appointmentId);
  if (query.from) q.where('createdAt', '>=', clinicRangeBound(query.from, 'from'));
  if (query.to) q.where('createdAt', '<', clinicRangeBound(query.to, 'to'));
  const after = decodeCursor(query.cursor, 2);
  if (after) {
    const [createdAt, id] = after;
    if (
      typeof createdAt !== 'string' ||
      typeof id !== 'string' ||
      !/^\d{4}-\d{2}-\d{2} [0-9:.]+[+-]\d{2}(:\d{2})?$/.test(createdAt) ||
      !/^[0-9a-f-]{36}$/i.test(id)
    ) {
      throw new ValidationError('The cursor is invalid.', [
        { path: '/cursor', message: 'is not a cursor from this API' },
      ]);
    }
    q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', [createdAt, id]);
  }
  const rows = (await q
    .orderBy([
      { column: 'createdAt', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(query.limit + 1)) as (PaymentRow & { createdAtText: string })[];
  return toPage(rows, query.limit, (r) => [r.createdAtText, r.id]);
}
