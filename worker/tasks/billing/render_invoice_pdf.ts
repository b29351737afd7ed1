import { markInvoicePdfFailed, renderInvoicePdf } from '../../../domain/billing/render-invoice-pdf.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

/** Renders an invoice's PDF; on its last failed attempt the invoice shows `pdfStatus: failed`. */
export const renderInvoicePdfTask = defineTask(
  'render_invoice_pdf',
  {
    type: 'object',
    required: ['invoiceId'],
    properties: { invoiceId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ invoiceId }, helpers) => {
    try {
      const outcome = await renderInvoicePdf(invoiceId);
      services().logger.info(
        { task: 'render_invoice_pdf', jobId: helpers.job.id, invoiceId, outcome },
        'invoice pdf',
      );
    } catch (err) {
      if (helpers.job.attempts >= helpers.job.max_attempts)
        await markInvoicePdfFailed(invoiceId, (err as Error).message);
      throw err;
    }
  },
);
