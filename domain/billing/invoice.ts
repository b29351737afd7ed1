/** Invoice rows, states and the reads every billing operation shares. */
import type { Knex } from 'knex';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { applyInvoiceScope, billingScopeFor, type Operation } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import type { ComputedLine } from './totals.js';

export const INVOICE_STATUSES = ['draft', 'issued', 'paid', 'void'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export const PDF_STATUSES = ['none', 'pending', 'ready', 'failed'] as const;
export type PdfStatus = (typeof PDF_STATUSES)[number];

export const PAYMENT_METHODS = ['cash', 'card', 'transfer', 'stripe'] as const;
export type PaymentMethod = (typeof PAYMENT_METHODS)[number];

/** An `invoices` row as Knex returns it (camelCase). */
export interface InvoiceRow {
  id: string;
  patientId: string;
  appointmentId: string | null;
  status: InvoiceStatus;
  year: number | null;
  seq: number | null;
  number: string | null;
  currency: string;
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
  paidCents: number;
  refundedCents: number;
  dueDate: string | null;
  notes: string | null;
  issuedAt: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  pdfStatus: PdfStatus;
  pdfKey: string | null;
  pdfError: string | null;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An `invoice_lines` row. */
export interface InvoiceLineRow {
  invoiceId: string;
  position: number;
  description: string;
  quantity: number;
  unitCents: number;
  taxPercent: string | null;
  netCents: number;
  lineTaxCents: number;
}

/** An `invoice_payments` row: a payment (money in) or a refund (money back out). */
export interface InvoicePaymentRow {
  id: string;
  invoiceId: string;
  kind: 'payment' | 'refund';
  method: PaymentMethod;
  amountCents: number;
  currency: string;
  reference: string | null;
  paymentId: string | null;
  refundId: string | null;
  recordedBy: string | null;
  createdAt: Date;
}

/** An invoice with its lines and money movements, as the API presents it. */
export interface InvoiceView extends InvoiceRow {
  lines: ComputedLine[];
  payments: InvoicePaymentRow[];
}

/** `INV-2026-000042`: the printed number of the `seq`-th invoice issued in `year`. */
export const formatInvoiceNumber = (year: number, seq: number): string =>
  `INV-${year}-${String(seq).padStart(6, '0')}`;

export const invoicePdfKey = (invoiceId: string): string => `invoices/${invoiceId}.pdf`;

export function lineFromRow(r: InvoiceLineRow): ComputedLine {
  return {
    description: r.description,
    quantity: r.quantity,
    unitCents: r.unitCents,
    taxPercent: r.taxPercent === null ? null : Number(r.taxPercent),
    netCents: r.netCents,
    lineTaxCents: r.lineTaxCents,
  };
}

/** The invoice with its lines and payments. */
export async function invoiceView(trx: Knex, row: InvoiceRow): Promise<InvoiceView> {
  const [lines, payments] = await Promise.all([
    trx('invoiceLines').where({ invoiceId: row.id }).orderBy('position') as Promise<InvoiceLineRow[]>,
    trx('invoicePayments').where({ invoiceId: row.id }).orderBy(['createdAt', 'id']) as Promise<
      InvoicePaymentRow[]
    >,
  ]);
  return { ...row, lines: lines.map(lineFromRow), payments };
}

/**
 * Loads an invoice the actor may reach for `op` (locked `for update` when `lock`), or throws:
 * 403 when the role has no billing access at all, 404 when the invoice is missing or not theirs.
 */
export async function loadInvoiceFor(
  trx: Knex,
  actor: Actor,
  invoiceId: string,
  op: Operation,
  lock = false,
): Promise<InvoiceRow> {
  if (billingScopeFor(actor, op) === 'none') {
    // Patients and doctors that may read an invoice but not change it get 404 for others' invoices
    // and 403 for their own, so a write never reveals whether someone else's invoice exists.
    if (op === 'write' && billingScopeFor(actor, 'read') !== 'none') {
      const visible = await applyInvoiceScope(trx('invoices'), actor, 'read')
        .where('invoices.id', invoiceId)
        .first('id');
      if (!visible) throw new NotFoundError('invoice');
    }
    throw new ForbiddenError();
  }
  const qb = applyInvoiceScope(trx('invoices').select('invoices.*'), actor, op).where(
    'invoices.id',
    invoiceId,
  );
  if (lock) qb.forUpdate();
  const row = (await qb.first()) as InvoiceRow | undefined;
  if (!row) throw new NotFoundError('invoice');
  return row;
}
