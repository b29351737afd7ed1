import { sendInvoiceReceipt } from '../../../domain/billing/send-invoice-receipt.js';
import { services } from '../../../lib/services.js';
import { defineTask } from '../../define-task.js';

/** Emails the receipt of a paid invoice with its PDF; the email ledger makes it once per invoice. */
export const sendInvoiceReceiptTask = defineTask(
  'send_invoice_receipt',
  {
    type: 'object',
    required: ['invoiceId'],
    properties: { invoiceId: { type: 'string', pattern: '^[0-9a-fA-F-]{36}$' } },
  },
  async ({ invoiceId }, helpers) => {
    const outcome = await sendInvoiceReceipt(invoiceId);
    services().logger.info(
      { task: 'send_invoice_receipt', jobId: helpers.job.id, invoiceId, outcome },
      'invoice receipt',
    );
  },
);
