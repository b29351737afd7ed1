import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import {
  formatInvoiceNumber,
  invoiceView,
  loadInvoiceFor,
  type InvoiceRow,
  type InvoiceView,
} from './invoice.js';
import { queueInvoicePdf } from './invoice-jobs.js';

/**
 * Takes the next number of `year` from `invoice_counters` on `trx`. The counter row stays locked
 * until the transaction ends, so concurrent issues queue behind each other; a rollback gives the
 * number back. Together this makes numbers unique and gap-free per year.
 */
export async function nextInvoiceSeq(trx: Knex, year: number): Promise<number> {
  const { rows } = await trx.raw(
    `insert into invoice_counters (year, last_number) values (?, 1)
     on conflict (year) do update set last_number = invoice_counters.last_number + 1
     returning last_number as "lastNumber"`,
    [year],
  );
  return (rows as { lastNumber: number }[])[0].lastNumber;
}

/**
 * Issues a locked draft on `trx`: gives it the next number of the current year (in the clinic's
 * time zone), fixes its totals (they are already stored; lines can no longer change) and queues
 * the PDF. 409 `invalid_transition` when it is not a draft, `invoice_empty` when it has no lines.
 */
export async function issueLockedInvoice(trx: Knex, invoice: InvoiceRow): Promise<InvoiceRow> {
  if (invoice.status !== 'draft')
    throw new ConflictError(
      'invalid_transition',
      `The invoice is ${invoice.status}; only a draft can be issued.`,
    );
  const lines = await trx('invoiceLines').where({ invoiceId: invoice.id }).count<{ n: string }[]>('* as n');
  if (Number(lines[0].n) === 0)
    throw new ConflictError('invoice_empty', 'An invoice needs at least one line.');
  const year = DateTime.now().setZone(services().config.clinicTimeZone).year;
  const seq = await nextInvoiceSeq(trx, year);
  const [row] = (await trx('invoices')
    .where({ id: invoice.id })
    .update({
      status: 'issued',
      year,
      seq,
      number: formatInvoiceNumber(year, seq),
      issuedAt: trx.fn.now(),
      updatedAt: trx.fn.now(),
    })
    .returning('*')) as InvoiceRow[];
  return queueInvoicePdf(trx, row);
}

/** Issues a draft invoice (see {@link issueLockedInvoice}). */
export async function issueInvoice(actor: Actor, invoiceId: string): Promise<InvoiceView> {
  return withTransaction(async (trx) => {
    const invoice = await loadInvoiceFor(trx, actor, invoiceId, 'write', true);
    return invoiceView(trx, await issueLockedInvoice(trx, invoice));
  });
}
