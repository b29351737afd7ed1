/** Input shapes of the billing operations (TypeBox: JSON Schema + static type from one source). */
import {
  Cents,
  Currency,
  DateOnly,
  MultiLine,
  Nullable,
  SingleLine,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';
import { PAYMENT_METHODS } from './invoice.js';

export const InvoiceLineInput = StrictObject({
  description: SingleLine(500),
  quantity: Type.Integer({ minimum: 1, maximum: 100_000 }),
  unitCents: Cents,
  /** Percent with at most two decimals (19, 7.25); absent means no tax on the line. */
  taxPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100, multipleOf: 0.01 })),
});
export type InvoiceLineInput = Static<typeof InvoiceLineInput>;

const Lines = Type.Array(InvoiceLineInput, { minItems: 1, maxItems: 100 });

export const CreateInvoiceInput = StrictObject({
  patientId: Uuid,
  appointmentId: Type.Optional(Uuid),
  /** (Default: the appointment's currency, else usd) */
  currency: Type.Optional(Currency),
  lines: Lines,
  dueDate: Type.Optional(DateOnly),
  notes: Type.Optional(MultiLine(2000)),
});
export type CreateInvoiceInput = Static<typeof CreateInvoiceInput>;

export const UpdateInvoiceInput = StrictObject(
  {
    currency: Type.Optional(Currency),
    lines: Type.Optional(Lines),
    dueDate: Type.Optional(Nullable(DateOnly)),
    notes: Type.Optional(Nullable(MultiLine(2000))),
  },
  { minProperties: 1 },
);
export type UpdateInvoiceInput = Static<typeof UpdateInvoiceInput>;

export const RecordPaymentInput = StrictObject({
  amountCents: Type.Integer({ minimum: 1, maximum: 100_000_000_00 }),
  method: StringEnum(PAYMENT_METHODS),
  reference: Type.Optional(SingleLine(200)),
});
export type RecordPaymentInput = Static<typeof RecordPaymentInput>;
