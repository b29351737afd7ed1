import type { Knex } from 'knex';
import { addJob } from '../../db/jobs.js';
import type { InvoiceRow } from './invoice.js';

/**
 * Marks the invoice's printed document out of date (`pdfVersion + 1`, `pdfStatus: pending`) and
 * queues its render on `trx`. Deliberately no job key: replacing a keyed job while the worker runs
 * it makes `add_job` return nothing (graphile-worker #580), which would fail the request. One job
 * per change is harmless: each renders the current version, a render whose version moved on leaves
 * the row alone, and a job finding the PDF ready does nothing.
 */
export async function queueInvoicePdf(trx: Knex, invoice: InvoiceRow): Promise<InvoiceRow> {
  const [row] = (await trx('invoices')
    .where({ id: invoice.id })
    .update({
      pdfStatus: 'pending',
      pdfVersion: trx.raw('pdf_version + 1'),
      pdfError: null,
      pdfKey: null,
      updatedAt: trx.fn.now(),
    })
    .returning('*')) as InvoiceRow[];
  await addJob(trx, 'render_invoice_pdf', { invoiceId: invoice.id }, { maxAttempts: 10 });
  return row;
}
