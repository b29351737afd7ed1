import {
  PAYMENT_STATUSES,
  REFUND_STATUSES,
  SESSION_STATUSES,
} from '../../../domain/payments/payment-state.js';
import type { JsonSchema } from '../../route.js';
import { dateTime, objectSchema, pageQueryProps, uuid } from '../../schemas.js';

const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;

export const paymentSchema: JsonSchema = {
  type: 'object',
  required: [
    'id',
    'appointmentId',
    'attempt',
    'status',
    'sessionStatus',
    'checkoutSessionId',
    'amountCents',
    'currency',
    'amountRefundedCents',
    'expiresAt',
    'paidAt',
    'createdAt',
    'updatedAt',
  ],
  properties: {
    id: uuid,
    appointmentId: uuid,
    attempt: { type: 'integer', minimum: 1 },
    status: { type: 'string', enum: [...PAYMENT_STATUSES] },
    sessionStatus: { type: 'string', enum: [...SESSION_STATUSES] },
    checkoutSessionId: { type: 'string' },
    amountCents: { type: 'integer' },
    currency: { type: 'string', pattern: '^[a-z]{3}$' },
    amountRefundedCents: { type: 'integer' },
    expiresAt: dateTime,
    paidAt: nullableDateTime,
    createdAt: dateTime,
    updatedAt: dateTime,
  },
};

export const refundSchema: JsonSchema = {
  type: 'object',
  required: ['id', 'paymentId', 'amountCents', 'status', 'reason', 'createdAt'],
  properties: {
    id: uuid,
    paymentId: uuid,
    amountCents: { type: 'integer' },
    status: { type: 'string', enum: [...REFUND_STATUSES] },
    reason: { type: 'string' },
    createdAt: dateTime,
  },
};

export const appointmentPaymentSchema: JsonSchema = {
  type: 'object',
  required: [
    'appointmentId',
    'paymentStatus',
    'feeCents',
    'currency',
    'amountPaidCents',
    'amountRefundedCents',
    'payments',
    'refunds',
  ],
  properties: {
    appointmentId: uuid,
    paymentStatus: { type: 'string', enum: [...PAYMENT_STATUSES] },
    feeCents: { type: 'integer' },
    currency: { type: 'string' },
    amountPaidCents: {
      type: 'integer',
      description: 'Money taken over all checkout attempts, before refunds.',
    },
    amountRefundedCents: { type: 'integer' },
    payments: { type: 'array', items: paymentSchema },
    refunds: { type: 'array', items: refundSchema },
  },
};

export const checkoutSchema: JsonSchema = {
  type: 'object',
  required: ['url', 'sessionId'],
  properties: { url: { type: 'string', format: 'uri' }, sessionId: { type: 'string' } },
};

export const webhookAckSchema: JsonSchema = {
  type: 'object',
  required: ['received'],
  properties: { received: { type: 'boolean', const: true }, duplicate: { type: 'boolean' } },
};

export const listPaymentsQuery = objectSchema({
  ...pageQueryProps,
  status: { type: 'string', enum: [...PAYMENT_STATUSES] },
  appointmentId: uuid,
  from: dateTime,
  to: dateTime,
});
