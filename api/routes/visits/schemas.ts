/** Response shape of the visit routes. */
import { DateTime, Nullable, StrictObject, Type, Uuid, type Static } from '../../../lib/schema.js';

export const Visit = StrictObject({
  id: Uuid,
  patientId: Uuid,
  doctorId: Nullable(Uuid),
  appointmentId: Nullable(Uuid),
  occurredAt: DateTime,
  complaint: Nullable(Type.String()),
  diagnosis: Nullable(Type.String()),
  treatment: Nullable(Type.String()),
  notes: Nullable(Type.String()),
  createdBy: Uuid,
  createdAt: DateTime,
  updatedAt: DateTime,
});
export type Visit = Static<typeof Visit>;
