import type { TaskGroup } from '../../define-task.js';
import { renderInvoicePdfTask } from './render_invoice_pdf.js';
import { sendInvoiceReceiptTask } from './send_invoice_receipt.js';

/** Invoice PDFs and receipts. */
export const billingTasks: TaskGroup = {
  tasks: [renderInvoicePdfTask, sendInvoiceReceiptTask],
  crontab: [],
};
