import type { Knex } from 'knex';
import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import {
  invoiceView,
  loadInvoiceFor,
  type InvoiceRow,
  type InvoiceView,
  type PaymentMethod,
} from './invoice.js';
import { queueInvoicePdf } from './invoice-jobs.js';
import type { RecordPaymentInput } from './schemas.js';

export interface MoneyMovement {
  amountCents: number;
  method: PaymentMethod;
  reference?: string | null;
  paymentId?: string | null;
  recordedBy?: string | null;
}

/**
 * Adds a payment to a locked, issued invoice on `trx` and settles it when `paidCents ≥ totalCents`
 * (status `paid`; the PDF is re-rendered as a receipt and then mailed to the patient). Partial
 * payments keep it `issued`.
 */
export async function addPaymentToLockedInvoice(
  trx: Knex,
  invoice: InvoiceRow,
  movement: MoneyMovement,
): Promise<InvoiceRow> {
  if (invoice.status !== 'issued')
    throw new ConflictError(
      'invalid_transition',
      `The invoice is ${invoice.status}; payments are taken on issued invoices only.`,
    );
  await trx('invoicePayments').insert({
    invoiceId: invoice.id,
    kind: 'payment',
    method: movement.method,
    amountCents: movement.amountCents,
    currency: invoice.currency,
    reference: movement.reference ?? null,
    paymentId: movement.paymentId ?? null,
    recordedBy: movement.recordedBy ?? null,
  });
  const paidCents = invoice.paidCents + movement.amountCents;
  const settled = paidCents >= invoice.totalCents;
  const [row] = (await trx('invoices')
    .where({ id: invoice.id })
    .update({
      paidCents,
      ...(settled ? { status: 'paid', paidAt: trx.fn.now() } : {}),
      updatedAt: trx.fn.now(),
    })
    .returning('*')) as InvoiceRow[];
  return settled ? queueInvoicePdf(trx, row) : row;
}

/** Records money taken at the desk (cash, card, transfer, or a Stripe payment taken by hand). */
export async function recordInvoicePayment(
  actor: Actor,
  invoiceId: string,
  input: RecordPaymentInput,
): Promise<InvoiceView> {
  return withTransaction(async (trx) => {
    const invoice = await loadInvoiceFor(trx, actor, invoiceId, 'write', true);
    const row = await addPaymentToLockedInvoice(trx, invoice, {
      amountCents: input.amountCents,
      method: input.method,
      reference: input.reference,
      recordedBy: actor.userId,
    });
    return invoiceView(trx, row);
  });
}
