import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { invoiceView, loadInvoiceFor, type InvoiceView } from './invoice.js';
import { replaceLines } from './lines.js';
import type { UpdateInvoiceInput } from './schemas.js';

/**
 * Changes a draft: its lines (replaced as a whole; totals recomputed), currency, due date or notes.
 * An issued, paid or void invoice is fixed: 409 `invoice_not_draft`.
 */
export async function updateInvoice(
  actor: Actor,
  invoiceId: string,
  input: UpdateInvoiceInput,
): Promise<InvoiceView> {
  return withTransaction(async (trx) => {
    const invoice = await loadInvoiceFor(trx, actor, invoiceId, 'write', true);
    if (invoice.status !== 'draft')
      throw new ConflictError(
        'invoice_not_draft',
        `The invoice is ${invoice.status}; only drafts can be changed.`,
      );
    const patch: Record<string, unknown> = {};
    if (input.currency !== undefined) patch.currency = input.currency.toLowerCase();
    if (input.dueDate !== undefined) patch.dueDate = input.dueDate;
    if (input.notes !== undefined) patch.notes = input.notes;
    if (Object.keys(patch).length)
      await trx('invoices')
        .where({ id: invoiceId })
        .update({ ...patch, updatedAt: trx.fn.now() });
    if (input.lines) await replaceLines(trx, invoiceId, input.lines);
    return invoiceView(trx, await loadInvoiceFor(trx, actor, invoiceId, 'write'));
  });
}
