import { ValidationError } from '../../lib/errors.js';

/** One consultation in a patient's timeline. */
export interface VisitRow {
  id: string;
  patientId: string;
  doctorId: string | null;
  appointmentId: string | null;
  occurredAt: Date;
  complaint: string | null;
  diagnosis: string | null;
  treatment: string | null;
  notes: string | null;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export const VISIT_COLUMNS = [
  'id',
  'patientId',
  'doctorId',
  'appointmentId',
  'occurredAt',
  'complaint',
  'diagnosis',
  'treatment',
  'notes',
  'createdBy',
  'createdAt',
  'updatedAt',
];

/** The clinical free-text fields of a visit: never logged, never copied into audit details. */
export const VISIT_TEXT_FIELDS = ['complaint', 'diagnosis', 'treatment', 'notes'] as const;

/** Throws a 400 when a visit is dated in the future (a few minutes of clock skew allowed). */
export function assertNotFuture(occurredAt: string | undefined): void {
  if (occurredAt !== undefined && new Date(occurredAt).getTime() > Date.now() + 5 * 60_000) {
    throw new ValidationError('The request is invalid.', [
      { path: '/occurredAt', message: 'cannot be in the future' },
    ]);
  }
}
