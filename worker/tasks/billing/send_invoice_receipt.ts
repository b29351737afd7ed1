import { sendInvoiceReceipt } from '../../../domain/billing/send-invoice-receipt.js';
import { StrictObject, Uuid, type Static } from '../../../lib/schema.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

export const SendInvoiceReceiptPayload = StrictObject({ invoiceId: Uuid });

declare global {
  namespace GraphileWorker {
    interface Tasks {
      send_invoice_receipt: Static<typeof SendInvoiceReceiptPayload>;
    }
  }
}

/** Emails the receipt of a paid invoice with its PDF; the email ledger makes it once per invoice. */
export const sendInvoiceReceiptTask = defineTask(
  'send_invoice_receipt',
  SendInvoiceReceiptPayload,
  async ({ invoiceId }, helpers) => {
    const outcome = await sendInvoiceReceipt(invoiceId);
    services().logger.info(
      { task: 'send_invoice_receipt', jobId: helpers.job.id, invoiceId, outcome },
      'invoice receipt',
    );
  },
);
