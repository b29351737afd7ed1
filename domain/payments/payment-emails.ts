/**
 * Payment emails (payment confirmed, payment failed, refund issued), queued on the caller's
 * transaction. Ledger keys name the business event (`payment_confirmed:<paymentId>`), not the Stripe
 * event, so five deliveries of one webhook and a reconciliation run still send one email.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { addJob } from '../../db/jobs.js';
import { services } from '../../lib/services.js';
import { formatAmount, type PaymentRow } from './payment-state.js';

export type PaymentEmail =
  | { kind: 'payment_confirmed'; payment: PaymentRow }
  | { kind: 'payment_failed'; payment: PaymentRow }
  | { kind: 'refund_issued'; payment: PaymentRow; refundId: string; amountCents: number };

/** "Tuesday, 15 December 2026, 10:30" in `zone`, the form the appointment emails use. */
const formatLocal = (instant: Date, zone: string): string =>
  DateTime.fromJSDate(instant, { zone }).setLocale('en-GB').toFormat('cccc, d LLLL yyyy, HH:mm');

/**
 * Queues one payment email to the appointment's patient. A walk-in patient without an email
 * address gets none (the payment itself is unaffected).
 */
export async function queuePaymentEmail(trx: Knex, email: PaymentEmail): Promise<void> {
  const { appUrl } = services().config;
  const row = await trx('appointments as a')
    .join('patients as p', 'p.id', 'a.patientId')
    .leftJoin('users as pu', 'pu.id', 'p.userId')
    .join('users as du', 'du.id', 'a.doctorId')
    .where('a.id', email.payment.appointmentId)
    .first(
      'a.id',
      'a.startsAt',
      'p.name as patientName',
      'p.timeZone as patientTimeZone',
      trx.raw('coalesce(p.email, pu.email) as patient_email'),
      'du.name as doctorName',
    );
  if (!row?.patientEmail) return;
  const { payment } = email;
  const appointmentUrl = `${appUrl}/appointments/${row.id}`;
  const common = {
    recipientName: row.patientName as string,
    doctorName: row.doctorName as string,
    startsAtLocal: formatLocal(row.startsAt as Date, row.patientTimeZone as string),
  };
  let ledgerKey: string;
  let vars: Record<string, unknown>;
  if (email.kind === 'payment_confirmed') {
    ledgerKey = `payment_confirmed:${payment.id}`;
    vars = { ...common, amount: formatAmount(payment.amountCents, payment.currency), appointmentUrl };
  } else if (email.kind === 'payment_failed') {
    ledgerKey = `payment_failed:${payment.id}`;
    vars = {
      ...common,
      amount: formatAmount(payment.amountCents, payment.currency),
      retryUrl: `${appointmentUrl}?pay=1`,
    };
  } else {
    ledgerKey = `refund_issued:${email.refundId}`;
    vars = { ...common, amount: formatAmount(email.amountCents, payment.currency) };
  }
  await addJob(
    trx,
    'send_email',
    { ledgerKey, template: email.kind, to: row.patientEmail as string, vars },
    { maxAttempts: 10 },
  );
}
