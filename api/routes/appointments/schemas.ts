/** Response shapes of the appointments routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import {
  DateTime,
  Nullable,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../../lib/schema.js';
import { APPOINTMENT_STATUSES } from '../../../domain/appointments/appointment.js';
import { PAYMENT_STATUSES } from '../../../domain/payments/payment-state.js';

export const Appointment = StrictObject({
  id: Uuid,
  doctorId: Uuid,
  patientId: Uuid,
  startsAt: DateTime,
  endsAt: DateTime,
  status: StringEnum(APPOINTMENT_STATUSES),
  paymentStatus: StringEnum(PAYMENT_STATUSES),
  feeCents: Type.Integer(),
  currency: Type.String(),
  reason: Type.Optional(Type.String()),
  followUpOf: Type.Optional(Uuid),
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type Appointment = Static<typeof Appointment>;

export const HistoryEntry = StrictObject({
  id: Type.Integer(),
  fromStatus: Nullable(StringEnum(APPOINTMENT_STATUSES)),
  toStatus: StringEnum(APPOINTMENT_STATUSES),
  actorId: Nullable(Type.String()),
  reason: Nullable(Type.String()),
  fromStartsAt: Type.Optional(Nullable(Type.String())),
  toStartsAt: Type.Optional(Nullable(Type.String())),
  createdAt: DateTime,
});
export type HistoryEntry = Static<typeof HistoryEntry>;
