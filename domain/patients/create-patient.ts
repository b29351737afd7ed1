import { withTransaction } from '../../db/transaction.js';
import { ValidationError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import {
  assertBirthDate,
  assertTimeZone,
  birthDateFromAge,
  PATIENT_COLUMNS,
  type PatientRow,
} from './patient.js';
import type { CreatePatientInput } from './schemas.js';

/**
 * Registers a walk-in patient (a profile without an account).
 * A doctor who registers a patient is mapped to them in the same transaction; otherwise the doctor
 * could not see the patient they just created.
 */
export async function createPatient(actor: Actor, input: CreatePatientInput): Promise<PatientRow> {
  if (input.birthDate !== undefined && input.age !== undefined) {
    throw new ValidationError('Give a birth date or an age, not both.', [
      { path: '/age', message: 'cannot be combined with birthDate' },
    ]);
  }
  if (input.birthDate !== undefined) assertBirthDate(input.birthDate);
  const timeZone = input.timeZone ?? services().config.clinicTimeZone;
  assertTimeZone(timeZone);
  const birthDate = input.birthDate ?? (input.age !== undefined ? birthDateFromAge(input.age) : null);

  return withTransaction(async (trx) => {
    const [row] = (await trx('patients')
      .insert({
        name: input.name.trim(),
        birthDate,
        gender: input.gender ?? null,
        phone: input.phone ?? null,
        email: input.email?.toLowerCase() ?? null,
        address: input.address ?? null,
        timeZone,
        createdBy: actor.userId,
      })
      .returning(PATIENT_COLUMNS.map((c) => c.replace('patients.', '')))) as PatientRow[];
    if (actor.role === 'doctor') {
      await trx('patientDoctorMappings').insert({
        patientId: row.id,
        doctorId: actor.userId,
        createdBy: actor.userId,
      });
    }
    await recordAudit(
      actor,
      {
        entity: 'patient',
        entityId: row.id,
        action: 'create',
        outcome: 'success',
        patientId: row.id,
        details: { mappedToSelf: actor.role === 'doctor' },
      },
      trx,
    );
    return row;
  });
}
