import type { Knex } from 'knex';
import { addJob } from '../../db/jobs.js';
import type { InvoiceRow } from './invoice.js';

/**
 * Marks the invoice's printed document out of date (`pdfVersion + 1`, `pdfStatus: pending`) and
 * queues its render on `trx`. One job key per invoice: a queued render is replaced, never doubled;
 * a render already running for an older version finds the version moved and leaves the row alone.
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
  await addJob(
    trx,
    'render_invoice_pdf',
    { invoiceId: invoice.id },
    { jobKey: `render_invoice_pdf:${invoice.id}`, maxAttempts: 10 },
  );
  return row;
}
