/** Response shapes of the prescriptions routes (TypeBox: the JSON Schema and the TypeScript type in one). */
import { DateOnly, DateTime, Nullable, StringEnum, Type, Uuid, type Static } from '../../../lib/schema.js';
import { PRESCRIPTION_STATUSES } from '../../../domain/prescriptions/prescription.js';

export const Medication = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 200 }),
  dosage: Type.String(),
  doseTimes: Type.Array(
    Type.String({
      pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
      description: 'HH:MM, in the patient’s time zone',
    }),
  ),
  startDate: DateOnly,
  durationDays: Type.Integer(),
  instructions: Type.Optional(Type.String()),
});
export type Medication = Static<typeof Medication>;

export const Prescription = Type.Object({
  id: Uuid,
  appointmentId: Uuid,
  patientId: Uuid,
  doctorId: Uuid,
  status: StringEnum(PRESCRIPTION_STATUSES),
  notes: Type.Optional(Type.String()),
  remindersEnabled: Type.Boolean(),
  medications: Type.Array(Medication),
  lastDoseAt: Type.Optional(DateTime),
  createdAt: DateTime,
  updatedAt: DateTime,
  dispensed: Type.Optional(
    Type.Array(
      Type.Object({
        movementId: Uuid,
        itemId: Uuid,
        itemName: Type.String(),
        unit: Type.String(),
        quantity: Type.Integer({ minimum: 1 }),
        lots: Type.Array(Type.Object({ lot: Type.String(), quantity: Type.Integer() })),
        dispensedAt: DateTime,
        dispensedBy: Nullable(Uuid),
      }),
      { description: 'What was dispensed from inventory against this prescription (detail only).' },
    ),
  ),
});
export type Prescription = Static<typeof Prescription>;
