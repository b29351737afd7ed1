import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { StorageNotFoundError } from '../../lib/storage.js';
import { deliverEmail } from '../email/deliver.js';
import { readObject } from '../reports/make-report-thumbnail.js';
import { formatMoney } from './invoice-document.js';
import type { InvoiceRow } from './invoice.js';

export type ReceiptOutcome = 'sent' | 'already_sent' | 'skipped';

/**
 * Emails the patient the receipt of a paid invoice with its PDF attached, once per invoice (the
 * email ledger key `invoice_receipt:<id>`). Skipped when the invoice is not paid, the patient has no
 * email address, or the PDF is not ready yet (the render job queues this again when it is).
 */
export async function sendInvoiceReceipt(invoiceId: string): Promise<ReceiptOutcome> {
  const knex = db();
  const invoice = (await knex('invoices').where({ id: invoiceId }).first()) as InvoiceRow | undefined;
  if (!invoice || invoice.status !== 'paid' || invoice.pdfStatus !== 'ready' || !invoice.pdfKey)
    return 'skipped';
  const patient = await knex('patients as p')
    .leftJoin('users as u', 'u.id', 'p.userId')
    .where('p.id', invoice.patientId)
    .first('p.name', knex.raw('coalesce(u.email, p.email) as email'));
  const to = patient?.email as string | null | undefined;
  if (!to) return 'skipped';
  let pdf: Buffer;
  try {
    pdf = await readObject(invoice.pdfKey, 20 * 1024 * 1024);
  } catch (err) {
    if (err instanceof StorageNotFoundError) return 'skipped';
    throw err;
  }
  const { config } = services();
  const { sent } = await deliverEmail({
    ledgerKey: `invoice_receipt:${invoice.id}`,
    template: 'invoice_receipt',
    to,
    vars: {
      recipientName: patient?.name,
      number: invoice.number,
      total: formatMoney(invoice.totalCents, invoice.currency, config.clinicLocale),
      paid: formatMoney(invoice.paidCents, invoice.currency, config.clinicLocale),
    },
    attachments: [{ filename: `${invoice.number}.pdf`, content: pdf, contentType: 'application/pdf' }],
  });
  return sent ? 'sent' : 'already_sent';
}
