/** Input shapes of the billing operations (TypeBox: JSON Schema + static type from one source). */
import { Type, type Static } from '@sinclair/typebox';
import { PAYMENT_METHODS } from './invoice.js';

const Uuid = Type.String({ format: 'uuid' });
const DateOnly = Type.String({
  format: 'date',
  pattern: '^(19|20)\\d\\d-\\d\\d-\\d\\d$|^2100-\\d\\d-\\d\\d$',
});
const Currency = Type.String({ pattern: '^[a-z]{3}$' });
const SingleLine = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });

export const InvoiceLine = Type.Object(
  {
    description: SingleLine(500),
    quantity: Type.Integer({ minimum: 1, maximum: 100000 }),
    unitCents: Type.Integer({ minimum: 0, maximum: 100_000_000_000 }),
    taxPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, multipleOf: 0.01 })),
  },
  { additionalProperties: false },
);
export type InvoiceLine = Static<typeof InvoiceLine>;

export const CreateInvoiceInput = Type.Object(
  {
    patientId: Uuid,
    appointmentId: Type.Optional(Uuid),
    currency: Type.Optional(Currency),
    lines: Type.Array(InvoiceLine, { minItems: 1, maxItems: 100 }),
    dueDate: Type.Optional(DateOnly),
    notes: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);
export type CreateInvoiceInput = Static<typeof CreateInvoiceInput>;

export const UpdateInvoiceInput = Type.Object(
  {
    currency: Type.Optional(Currency),
    lines: Type.Optional(Type.Array(InvoiceLine, { minItems: 1, maxItems: 100 })),
    dueDate: Type.Optional(Type.Union([DateOnly, Type.Null()])),
    notes: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateInvoiceInput = Static<typeof UpdateInvoiceInput>;

export const RecordPaymentInput = Type.Object(
  {
    amountCents: Type.Integer({ minimum: 1, maximum: 100_000_000_000 }),
    method: Type.Unsafe<(typeof PAYMENT_METHODS)[number]>({ type: 'string', enum: [...PAYMENT_METHODS] }),
    reference: Type.Optional(SingleLine(200)),
  },
  { additionalProperties: false },
);
export type RecordPaymentInput = Static<typeof RecordPaymentInput>;
