import { Readable } from 'node:stream';
import { addJob } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { storage } from '../../lib/storage.js';
import { renderInvoiceDocument } from './invoice-document.js';
import { invoicePdfKey, invoiceView, type InvoiceRow } from './invoice.js';

export type RenderOutcome = 'ready' | 'skipped' | 'superseded';

/**
 * Renders the invoice's current version to a PDF, stores it and marks it `ready`; when the invoice
 * is paid, queues the receipt email in the same transaction. Idempotent: a draft or a missing
 * invoice is skipped; a version that moved on while rendering is left to the newer job.
 */
export async function renderInvoicePdf(invoiceId: string): Promise<RenderOutcome> {
  const knex = db();
  const invoice = (await knex('invoices').where({ id: invoiceId }).first()) as
    (InvoiceRow & { pdfVersion: number }) | undefined;
  if (!invoice || invoice.status === 'draft') return 'skipped';
  if (invoice.pdfStatus === 'ready') return 'skipped';
  const { config } = services();
  const view = await invoiceView(knex, invoice);
  const patient = await knex('patients').where({ id: invoice.patientId }).first('name');
  const pdf = await renderInvoiceDocument({
    clinicName: config.clinicName,
    locale: config.clinicLocale,
    timeZone: config.clinicTimeZone,
    number: invoice.number,
    status: invoice.status,
    patientName: (patient?.name as string | undefined) ?? '',
    issuedAt: invoice.issuedAt,
    dueDate: invoice.dueDate,
    currency: invoice.currency,
    lines: view.lines,
    subtotalCents: invoice.subtotalCents,
    taxCents: invoice.taxCents,
    totalCents: invoice.totalCents,
    paidCents: invoice.paidCents,
    refundedCents: invoice.refundedCents,
    notes: invoice.notes,
  });
  const key = invoicePdfKey(invoice.id);
  await storage().put(key, Readable.from([pdf]), {
    contentType: 'application/pdf',
    contentLength: pdf.length,
  });
  return knex.transaction(async (trx) => {
    const updated = (await trx('invoices')
      .where({ id: invoice.id, pdfVersion: invoice.pdfVersion })
      .update({ pdfStatus: 'ready', pdfKey: key, pdfError: null, updatedAt: trx.fn.now() })
      .returning('status')) as { status: string }[];
    if (!updated.length) return 'superseded' as const;
    if (updated[0].status === 'paid') {
      // No job key (see queueInvoicePdf); the email ledger sends the receipt once per invoice.
      await addJob(trx, 'send_invoice_receipt', { invoiceId: invoice.id });
    }
    return 'ready' as const;
  });
}

/** Records that rendering failed for good (the job ran out of attempts); the API shows `failed`. */
export async function markInvoicePdfFailed(invoiceId: string, reason: string): Promise<void> {
  await db()('invoices')
    .where({ id: invoiceId, pdfStatus: 'pending' })
    .update({ pdfStatus: 'failed', pdfError: reason.slice(0, 500), updatedAt: db().fn.now() });
}
