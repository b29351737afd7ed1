import { markInvoicePdfFailed, renderInvoicePdf } from '../../../domain/billing/render-invoice-pdf.js';
import { StrictObject, Uuid, type Static } from '../../../lib/schema.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

export const RenderInvoicePdfPayload = StrictObject({ invoiceId: Uuid });

declare global {
  namespace GraphileWorker {
    interface Tasks {
      render_invoice_pdf: Static<typeof RenderInvoicePdfPayload>;
    }
  }
}

/** Renders an invoice's PDF; on its last failed attempt the invoice shows `pdfStatus: failed`. */
export const renderInvoicePdfTask = defineTask(
  'render_invoice_pdf',
  RenderInvoicePdfPayload,
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
