import { withTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';

/**
 * Soft-deletes a patient (admins only, enforced by the route): the profile disappears from every
 * list and lookup, while records, visits, appointments and audit rows stay for the clinic's history.
 * Refused with 409 while the patient has upcoming pending or confirmed appointments, which would
 * otherwise be left pointing at a patient nobody can see.
 */
export async function deletePatient(actor: Actor, patientId: string): Promise<void> {
  await withTransaction(async (trx) => {
    const patient = await trx('patients')
      .select('id')
      .where({ id: patientId })
      .whereNull('deletedAt')
      .forUpdate()
      .first();
    if (!patient) throw new NotFoundError('patient');
    const upcoming = await trx('appointments')
      .where({ patientId })
      .whereIn('status', ['pending', 'confirmed'])
      .where('endsAt', '>', trx.fn.now())
      .first('id');
    if (upcoming) {
      throw new ConflictError(
        'conflict',
        'The patient has upcoming appointments; cancel them before deleting the patient.',
      );
    }
    await trx('patients')
      .update({ deletedAt: trx.fn.now(), updatedAt: trx.fn.now() })
      .where({ id: patientId });
    await recordAudit(
      actor,
      { entity: 'patient', entityId: patientId, action: 'delete', outcome: 'success', patientId },
      trx,
    );
  });
}
