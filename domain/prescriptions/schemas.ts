/** Input shapes of prescriptions (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateOnly,
  MultiLine,
  Nullable,
  SingleLine,
  TimeOfDay,
  PageQueryProps,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';
import { PRESCRIPTION_STATUSES } from './prescription.js';

/** One medication in a request: explicit `doseTimes` or `timesPerDay`, exactly one of them. */
export const MedicationInput = StrictObject(
  {
    name: SingleLine(200),
    dosage: SingleLine(200),
    doseTimes: Type.Optional(
      Type.Array(Type.Unsafe<string>({ ...TimeOfDay, description: 'HH:MM, in the patient’s time zone' }), {
        minItems: 1,
        maxItems: 24,
        uniqueItems: true,
      }),
    ),
    timesPerDay: Type.Optional(Type.Integer({ minimum: 1, maximum: 12 })),
    startDate: DateOnly,
    durationDays: Type.Integer({ minimum: 1, maximum: 366 }),
    instructions: Type.Optional(Nullable(MultiLine(2000, 0))),
  },
  {
    oneOf: [{ required: ['doseTimes'] }, { required: ['timesPerDay'] }],
    'x-message': 'must give exactly one of doseTimes or timesPerDay',
  },
);
export type MedicationInput = Static<typeof MedicationInput>;

export const CreatePrescriptionInput = StrictObject({
  appointmentId: Uuid,
  notes: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
  medications: Type.Array(MedicationInput, { minItems: 1, maxItems: 20 }),
});
export type CreatePrescriptionInput = Static<typeof CreatePrescriptionInput>;

export const ListPatientPrescriptionsQuery = StrictObject({
  ...PageQueryProps,
  status: Type.Optional(StringEnum(PRESCRIPTION_STATUSES)),
});
export type ListPatientPrescriptionsQuery = Static<typeof ListPatientPrescriptionsQuery>;

export const UpdatePrescriptionInput = StrictObject(
  {
    notes: Type.Optional(Nullable(Type.String({ maxLength: 5000 }))),
    medications: Type.Optional(Type.Array(MedicationInput, { minItems: 1, maxItems: 20 })),
    remindersEnabled: Type.Optional(Type.Boolean()),
  },
  { minProperties: 1 },
);
export type UpdatePrescriptionInput = Static<typeof UpdatePrescriptionInput>;
