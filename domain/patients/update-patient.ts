import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import { assertBirthDate, assertTimeZone, PATIENT_COLUMNS, type PatientRow } from './patient.js';
import type { UpdatePatientInput } from './schemas.js';

/** Fields a patient may change on their own profile; identity data (birth date, email) goes through staff. */
export const PATIENT_SELF_EDITABLE = ['name', 'phone', 'address', 'gender', 'timeZone'] as const;

/**
 * Changes a patient's demographics (demographics write): 404 when the actor may not reach the
 * patient, 403 when a patient tries to change a field reserved for the care team.
 */
export async function updatePatient(
  actor: Actor,
  patientId: string,
  input: UpdatePatientInput,
): Promise<PatientRow> {
  if (actor.role === 'patient') {
    const reserved = Object.keys(input).filter(
      (k) => !(PATIENT_SELF_EDITABLE as readonly string[]).includes(k),
    );
    if (reserved.length) {
      throw new ForbiddenError(
        'forbidden',
        `Patients may change only ${PATIENT_SELF_EDITABLE.join(', ')}; ask the clinic to change ${reserved.join(', ')}.`,
      );
    }
  }
  if (input.birthDate) assertBirthDate(input.birthDate);
  if (input.timeZone !== undefined) assertTimeZone(input.timeZone);

  await loadPatientFor(actor, patientId, 'demographics', 'write');
  return withTransaction(async (trx) => {
    const patch: Record<string, unknown> = { ...input, updatedAt: trx.fn.now() };
    if (typeof input.name === 'string') patch.name = input.name.trim();
    if (typeof input.email === 'string') patch.email = input.email.toLowerCase();
    const [row] = (await trx('patients')
      .update(patch)
      .where({ id: patientId })
      .whereNull('deletedAt')
      .returning(PATIENT_COLUMNS.map((c) => c.replace('patients.', '')))) as PatientRow[];
    if (!row) throw new NotFoundError('patient');
    await recordAudit(
      actor,
      {
        entity: 'patient',
        entityId: patientId,
        action: 'update',
        outcome: 'success',
        patientId,
        details: { fields: Object.keys(input) },
      },
      trx,
    );
    return row;
  });
}
