/**
 * The Stripe side of billing: a paid appointment Checkout creates (or settles) the appointment's
 * invoice, and Stripe refunds show on it. Both run inside domain/payments/sync-payment.ts's
 * transaction (under the appointment's row lock), so the payment and its invoice commit together,
 * and both are idempotent: the unique indexes on `invoice_payments.payment_id` / `refund_id` and the
 * checks below make a replayed sync change nothing.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { services } from '../../lib/services.js';
import type { AppointmentRow } from '../appointments/appointment.js';
import type { PaymentRow } from '../payments/payment-state.js';
import type { InvoicePaymentRow, InvoiceRow } from './invoice.js';
import { issueLockedInvoice } from './issue-invoice.js';
import { queueInvoicePdf } from './invoice-jobs.js';
import { replaceLines } from './lines.js';
import { addPaymentToLockedInvoice } from './record-payment.js';

/**
 * Puts a captured Stripe payment on the appointment's invoice: the live invoice of the appointment
 * (a draft is issued first), or a new one with one consultation line of the amount paid.
 */
export async function settleAppointmentInvoice(
  trx: Knex,
  appointment: AppointmentRow,
  payment: PaymentRow,
): Promise<InvoiceRow | null> {
  const already = await trx('invoicePayments').where({ paymentId: payment.id, kind: 'payment' }).first('id');
  if (already) return null;
  let invoice = (await trx('invoices')
    .where({ appointmentId: appointment.id })
    .whereNot('status', 'void')
    .forUpdate()
    .first()) as InvoiceRow | undefined;
  if (invoice && invoice.currency !== payment.currency) {
    services().logger.warn(
      { invoiceId: invoice.id, paymentId: payment.id },
      'Stripe payment currency differs from the invoice; not applied to it',
    );
    return null;
  }
  if (!invoice) {
    const doctor = await trx('users').where({ id: appointment.doctorId }).first('name');
    const day = DateTime.fromJSDate(appointment.startsAt)
      .setZone(services().config.clinicTimeZone)
      .toISODate();
    [invoice] = (await trx('invoices')
      .insert({ patientId: appointment.patientId, appointmentId: appointment.id, currency: payment.currency })
      .returning('*')) as InvoiceRow[];
    await replaceLines(trx, invoice.id, [
      {
        description: `Consultation with ${(doctor?.name as string | undefined) ?? 'the doctor'} on ${day}`,
        quantity: 1,
        unitCents: payment.amountCents,
      },
    ]);
    invoice = (await trx('invoices').where({ id: invoice.id }).first()) as InvoiceRow;
  }
  if (invoice.status === 'draft') invoice = await issueLockedInvoice(trx, invoice);
  const movement = { amountCents: payment.amountCents, method: 'stripe' as const, paymentId: payment.id };
  if (invoice.status === 'issued') return addPaymentToLockedInvoice(trx, invoice, movement);
  // Paid already (e.g. at the desk): the money is recorded all the same, so nothing is lost.
  await trx('invoicePayments').insert({
    invoiceId: invoice.id,
    kind: 'payment',
    method: 'stripe',
    amountCents: payment.amountCents,
    currency: invoice.currency,
    paymentId: payment.id,
  });
  const [row] = (await trx('invoices')
    .where({ id: invoice.id })
    .update({ paidCents: invoice.paidCents + payment.amountCents, updatedAt: trx.fn.now() })
    .returning('*')) as InvoiceRow[];
  return row;
}

/**
 * Records every succeeded Stripe refund of `payment` on the invoice that payment settled, once
 * each: a `refund` entry, `paidCents` reduced and `refundedCents` raised by its amount, and the PDF
 * re-rendered. A paid invoice stays `paid` (it was settled; the refund is shown on it).
 */
export async function applyRefundsToInvoice(trx: Knex, payment: PaymentRow): Promise<number> {
  const entry = (await trx('invoicePayments').where({ paymentId: payment.id, kind: 'payment' }).first()) as
    InvoicePaymentRow | undefined;
  if (!entry) return 0;
  const refunds = (await trx('refunds')
    .where({ paymentId: payment.id, status: 'succeeded' })
    .whereNotExists((s) => s.select(1).from('invoicePayments as ip').whereRaw('ip.refund_id = refunds.id'))
    .select('id', 'amountCents', 'stripeRefundId')) as {
    id: string;
    amountCents: number;
    stripeRefundId: string | null;
  }[];
  if (!refunds.length) return 0;
  const invoice = (await trx('invoices').where({ id: entry.invoiceId }).forUpdate().first()) as InvoiceRow;
  let total = 0;
  for (const r of refunds) {
    await trx('invoicePayments').insert({
      invoiceId: invoice.id,
      kind: 'refund',
      method: 'stripe',
      amountCents: r.amountCents,
      currency: invoice.currency,
      reference: r.stripeRefundId,
      paymentId: payment.id,
      refundId: r.id,
    });
    total += r.amountCents;
  }
  const [row] = (await trx('invoices')
    .where({ id: invoice.id })
    .update({
      paidCents: Math.max(0, invoice.paidCents - total),
      refundedCents: invoice.refundedCents + total,
      updatedAt: trx.fn.now(),
    })
    .returning('*')) as InvoiceRow[];
  await queueInvoicePdf(trx, row);
  return total;
}
