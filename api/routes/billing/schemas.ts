/** Response and query shapes of the billing routes (SPEC "Invoice"). */
import { INVOICE_STATUSES, PAYMENT_METHODS, PDF_STATUSES } from '../../../domain/billing/invoice.js';
import {
  DateOnly,
  DateTime,
  ListOf,
  Nullable,
  PageQueryProps,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../../lib/schema.js';

export const InvoiceLine = Type.Object({
  description: Type.String(),
  quantity: Type.Integer(),
  unitCents: Type.Integer(),
  taxPercent: Type.Optional(Type.Number()),
  /** quantity × unitCents */
  netCents: Type.Integer(),
  /** The line's tax, rounded half-up (away from zero). */
  taxCents: Type.Integer(),
});

export const InvoicePayment = Type.Object({
  id: Uuid,
  kind: StringEnum(['payment', 'refund'] as const),
  method: StringEnum(PAYMENT_METHODS),
  amountCents: Type.Integer(),
  reference: Type.Optional(Type.String()),
  createdAt: DateTime,
});

export const Invoice = Type.Object({
  id: Uuid,
  number: Nullable(Type.String({ examples: ['INV-2026-000042'] })),
  patientId: Uuid,
  appointmentId: Type.Optional(Uuid),
  status: StringEnum(INVOICE_STATUSES),
  currency: Type.String(),
  lines: Type.Array(InvoiceLine),
  subtotalCents: Type.Integer(),
  taxCents: Type.Integer(),
  totalCents: Type.Integer(),
  /** Money kept: payments minus refunds. */
  paidCents: Type.Integer(),
  refundedCents: Type.Integer(),
  payments: Type.Array(InvoicePayment),
  dueDate: Type.Optional(DateOnly),
  notes: Type.Optional(Type.String()),
  issuedAt: Type.Optional(DateTime),
  paidAt: Type.Optional(DateTime),
  pdfStatus: StringEnum(PDF_STATUSES),
  createdAt: DateTime,
});
export type Invoice = Static<typeof Invoice>;

export const InvoiceList = ListOf(Invoice);

export const PatientInvoicesQuery = StrictObject({
  ...PageQueryProps,
  status: Type.Optional(StringEnum(INVOICE_STATUSES)),
});

export const ListInvoicesQuery = StrictObject({
  ...PageQueryProps,
  status: Type.Optional(StringEnum(INVOICE_STATUSES)),
  patientId: Type.Optional(Uuid),
});
