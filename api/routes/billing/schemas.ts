/** Response and query shapes of the billing routes (SPEC "Invoice"). */
import { Type, type Static } from '@sinclair/typebox';
import { INVOICE_STATUSES, PAYMENT_METHODS, PDF_STATUSES } from '../../../domain/billing/invoice.js';

const Uuid = Type.String({ format: 'uuid' });
const DateTime = Type.String({ format: 'date-time' });
const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) => Type.Union([t, Type.Null()]);
const Enum = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

export const InvoiceLineOut = Type.Object({
  description: Type.String(),
  quantity: Type.Integer(),
  unitCents: Type.Integer(),
  taxPercent: Type.Optional(Type.Number()),
  netCents: Type.Integer(),
  taxCents: Type.Integer(),
});

export const InvoicePaymentOut = Type.Object({
  id: Uuid,
  kind: Enum(['payment', 'refund'] as const),
  method: Enum(PAYMENT_METHODS),
  amountCents: Type.Integer(),
  reference: Type.Optional(Type.String()),
  createdAt: DateTime,
});

export const Invoice = Type.Object({
  id: Uuid,
  number: Nullable(Type.String()),
  patientId: Uuid,
  appointmentId: Type.Optional(Uuid),
  status: Enum(INVOICE_STATUSES),
  currency: Type.String(),
  lines: Type.Array(InvoiceLineOut),
  subtotalCents: Type.Integer(),
  taxCents: Type.Integer(),
  totalCents: Type.Integer(),
  paidCents: Type.Integer(),
  refundedCents: Type.Integer(),
  payments: Type.Array(InvoicePaymentOut),
  dueDate: Type.Optional(Type.String({ format: 'date' })),
  notes: Type.Optional(Type.String()),
  issuedAt: Type.Optional(DateTime),
  paidAt: Type.Optional(DateTime),
  pdfStatus: Enum(PDF_STATUSES),
  createdAt: DateTime,
});
export type Invoice = Static<typeof Invoice>;

export const InvoiceList = Type.Object({ items: Type.Array(Invoice), nextCursor: Nullable(Type.String()) });

export const ListInvoicesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    status: Type.Optional(Enum(INVOICE_STATUSES)),
    patientId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);
export type ListInvoicesQuery = Static<typeof ListInvoicesQuery>;

export const PatientInvoicesQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(Type.String({ maxLength: 500 })),
    status: Type.Optional(Enum(INVOICE_STATUSES)),
  },
  { additionalProperties: false },
);
