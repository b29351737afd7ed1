import { ValidationError } from '../../lib/errors.js';
import { isValidTimeZone } from '../../lib/time-zones.js';

/** A patient profile as the domain hands it to presenters. */
export interface PatientRow {
  id: string;
  userId: string | null;
  name: string;
  /** `YYYY-MM-DD`, never shifted across zones. */
  birthDate: string | null;
  gender: string | null;
  phone: string | null;
  email: string | null;
  address: string | null;
  timeZone: string;
  createdBy: string | null;
  deletedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Columns of `patients` a {@link PatientRow} is made of. */
export const PATIENT_COLUMNS = [
  'patients.id',
  'patients.userId',
  'patients.name',
  'patients.birthDate',
  'patients.gender',
  'patients.phone',
  'patients.email',
  'patients.address',
  'patients.timeZone',
  'patients.createdBy',
  'patients.deletedAt',
  'patients.createdAt',
  'patients.updatedAt',
];

/** Throws a 400 naming `path` unless `zone` is a known IANA time zone. */
export function assertTimeZone(zone: string, path = '/timeZone'): void {
  if (!isValidTimeZone(zone)) {
    throw new ValidationError('The request is invalid.', [
      { path, message: 'must be an IANA time zone such as Europe/Berlin' },
    ]);
  }
}

/** Throws a 400 unless `birthDate` is a real calendar date that is not in the future. */
export function assertBirthDate(birthDate: string, path = '/birthDate'): void {
  const d = new Date(`${birthDate}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== birthDate || d.getTime() > Date.now()) {
    throw new ValidationError('The request is invalid.', [{ path, message: 'must be a past calendar date' }]);
  }
}

/**
 * Converts an age in whole years into an estimated birth date (today minus `age` years).
 * SPEC accepts "birth date or age"; storing a date keeps the age right as years pass.
 */
export function birthDateFromAge(age: number, now = new Date()): string {
  const d = new Date(Date.UTC(now.getUTCFullYear() - age, now.getUTCMonth(), now.getUTCDate()));
  return d.toISOString().slice(0, 10);
}

/** Whole years between `birthDate` and `now`, or null without a birth date. */
export function ageOf(birthDate: string | null, now = new Date()): number | null {
  if (!birthDate) return null;
  const [y, m, d] = birthDate.split('-').map(Number);
  let age = now.getUTCFullYear() - y;
  if (now.getUTCMonth() + 1 < m || (now.getUTCMonth() + 1 === m && now.getUTCDate() < d)) age -= 1;
  return age;
}
