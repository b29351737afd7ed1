import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { invoiceView, loadInvoiceFor, type InvoiceRow, type InvoiceView } from './invoice.js';
import { queueInvoicePdf } from './invoice-jobs.js';

/**
 * Ends an issued invoice on which nothing was paid; it keeps its number (the sequence stays
 * gap-free) and its PDF is re-rendered marked VOID. A draft, a paid invoice, an issued invoice with
 * money on it and a void invoice answer 409 `invalid_transition`.
 */
export async function voidInvoice(actor: Actor, invoiceId: string): Promise<InvoiceView> {
  return withTransaction(async (trx) => {
    const invoice = await loadInvoiceFor(trx, actor, invoiceId, 'write', true);
    if (invoice.status !== 'issued')
      throw new ConflictError(
        'invalid_transition',
        `The invoice is ${invoice.status}; only an issued invoice can be voided.`,
      );
    if (invoice.paidCents > 0)
      throw new ConflictError('invalid_transition', 'Money was taken on this invoice; it cannot be voided.');
    const [row] = (await trx('invoices')
      .where({ id: invoiceId })
      .update({ status: 'void', voidedAt: trx.fn.now(), updatedAt: trx.fn.now() })
      .returning('*')) as InvoiceRow[];
    return invoiceView(trx, await queueInvoicePdf(trx, row));
  });
}
