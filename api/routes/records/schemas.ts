/** Response shape of the record routes. */
import { MedicalRecordContent } from '../../../domain/records/schemas.js';
import { DateTime, Nullable, StrictObject, Type, Uuid, type Static } from '../../../lib/schema.js';

export const MedicalRecord = Type.Composite(
  [
    StrictObject({ patientId: Uuid }),
    MedicalRecordContent,
    StrictObject({
      version: Type.Integer({ minimum: 0, description: '0 until the first write; send it back as If-Match' }),
      updatedAt: Nullable(DateTime),
      updatedBy: Nullable(Uuid),
    }),
  ],
  { additionalProperties: false },
);
export type MedicalRecord = Static<typeof MedicalRecord>;
