/** Response shapes of the payments routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateTime, Nullable, StringEnum, Type, Uuid, type Static } from '../../../lib/schema.js';
import {
  PAYMENT_STATUSES,
  REFUND_STATUSES,
  SESSION_STATUSES,
} from '../../../domain/payments/payment-state.js';

export const Payment = Type.Object({
  id: Uuid,
  appointmentId: Uuid,
  attempt: Type.Integer({ minimum: 1 }),
  status: StringEnum(PAYMENT_STATUSES),
  sessionStatus: StringEnum(SESSION_STATUSES),
  checkoutSessionId: Type.String(),
  amountCents: Type.Integer(),
  currency: Type.String({ pattern: '^[a-z]{3}$' }),
  amountRefundedCents: Type.Integer(),
  expiresAt: DateTime,
  paidAt: Nullable(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type Payment = Static<typeof Payment>;

export const Refund = Type.Object({
  id: Uuid,
  paymentId: Uuid,
  amountCents: Type.Integer(),
  status: StringEnum(REFUND_STATUSES),
  reason: Type.String(),
  createdAt: DateTime,
});
export type Refund = Static<typeof Refund>;

export const AppointmentPayment = Type.Object({
  appointmentId: Uuid,
  paymentStatus: StringEnum(PAYMENT_STATUSES),
  feeCents: Type.Integer(),
  currency: Type.String(),
  amountPaidCents: Type.Integer({ description: 'Money taken over all checkout attempts, before refunds.' }),
  amountRefundedCents: Type.Integer(),
  payments: Type.Array(Payment),
  refunds: Type.Array(Refund),
});
export type AppointmentPayment = Static<typeof AppointmentPayment>;

export const Checkout = Type.Object({
  url: Type.String({ format: 'uri' }),
  sessionId: Type.String(),
});
export type Checkout = Static<typeof Checkout>;

export const WebhookAck = Type.Object({
  received: Type.Boolean({ const: true }),
  duplicate: Type.Optional(Type.Boolean()),
});
export type WebhookAck = Static<typeof WebhookAck>;
