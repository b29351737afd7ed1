/** Input shapes of visits (TypeBox): the domain owns them; the API validates requests with them. */
import {
  DateTime,
  MultiLine,
  Nullable,
  PageQueryProps,
  StrictObject,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';

const clinical = {
  complaint: MultiLine(10_000),
  diagnosis: MultiLine(10_000),
  treatment: MultiLine(10_000),
  notes: MultiLine(20_000),
};

/** A visit documents something: at least one clinical field. */
export const CreateVisitInput = StrictObject(
  {
    patientId: Uuid,
    doctorId: Type.Optional(Uuid),
    appointmentId: Type.Optional(Uuid),
    occurredAt: Type.Optional(DateTime),
    complaint: Type.Optional(clinical.complaint),
    diagnosis: Type.Optional(clinical.diagnosis),
    treatment: Type.Optional(clinical.treatment),
    notes: Type.Optional(clinical.notes),
  },
  {
    anyOf: Object.keys(clinical).map((k) => ({ required: [k] })),
    'x-message': 'must contain at least one of complaint, diagnosis, treatment, notes',
  },
);
export type CreateVisitInput = Static<typeof CreateVisitInput>;

export const UpdateVisitInput = StrictObject(
  {
    occurredAt: Type.Optional(DateTime),
    complaint: Type.Optional(Nullable(clinical.complaint)),
    diagnosis: Type.Optional(Nullable(clinical.diagnosis)),
    treatment: Type.Optional(Nullable(clinical.treatment)),
    notes: Type.Optional(Nullable(clinical.notes)),
  },
  { minProperties: 1 },
);
export type UpdateVisitInput = Static<typeof UpdateVisitInput>;

export const ListVisitsQuery = StrictObject({ ...PageQueryProps });
export type ListVisitsQuery = Static<typeof ListVisitsQuery>;
