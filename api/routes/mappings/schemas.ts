/** Response shapes of the mapping routes. */
import { DateTime, Nullable, StrictObject, Uuid, type Static } from '../../../lib/schema.js';

export const Mapping = StrictObject({
  id: Uuid,
  patientId: Uuid,
  doctorId: Uuid,
  createdBy: Nullable(Uuid),
  createdAt: DateTime,
});
export type Mapping = Static<typeof Mapping>;
