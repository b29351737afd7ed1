import type { Knex } from 'knex';
import { computeLine, computeTotals, type InvoiceLineInput, type InvoiceTotals } from './totals.js';

/** Replaces a draft's lines and stores the totals they add up to. */
export async function replaceLines(
  trx: Knex,
  invoiceId: string,
  lines: readonly InvoiceLineInput[],
): Promise<InvoiceTotals> {
  const computed = lines.map(computeLine);
  await trx('invoiceLines').where({ invoiceId }).delete();
  if (computed.length) {
    await trx('invoiceLines').insert(
      computed.map((l, position) => ({
        invoiceId,
        position,
        description: l.description,
        quantity: l.quantity,
        unitCents: l.unitCents,
        taxPercent: l.taxPercent ?? null,
        netCents: l.netCents,
        lineTaxCents: l.lineTaxCents,
      })),
    );
  }
  const totals = computeTotals(computed);
  await trx('invoices')
    .where({ id: invoiceId })
    .update({ ...totals, updatedAt: trx.fn.now() });
  return totals;
}
