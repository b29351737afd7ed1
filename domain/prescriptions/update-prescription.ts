import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import { cancelPendingDoses, scheduleDoses } from './dose-scheduling.js';
import { normaliseMedications, replaceMedications } from './medication-input.js';
import {
  AUDIT_ENTITY,
  denyChange,
  loadVisiblePrescription,
  withMedications,
  type Prescription,
  type PrescriptionRow,
} from './prescription.js';
import type { UpdatePrescriptionInput } from './schemas.js';

/**
 * Changes an active prescription. The prescribing doctor may change notes and medications and
 * switch reminders off; the patient may only switch their reminders off or on (403 for anything
 * else), and once they are off only the patient turns them back on. New medications replace the old ones: pending reminders of the old plan are cancelled
 * and the new plan's window is scheduled in the same transaction.
 * 404 when not visible, 409 `invalid_state` when the prescription is expired or deleted.
 */
export function updatePrescription(
  actor: Actor,
  id: string,
  input: UpdatePrescriptionInput,
): Promise<Prescription> {
  return withTransaction(async (trx) => {
    const row = await loadVisiblePrescription(trx, actor, id, 'read', { forUpdate: true });
    const fields = Object.keys(input).filter((k) => input[k as keyof UpdatePrescriptionInput] !== undefined);
    if (actor.role === 'patient') {
      if (fields.some((f) => f !== 'remindersEnabled'))
        await denyChange(actor, row, 'update', 'patient_reminders_only');
    } else if (row.doctorId !== actor.userId) {
      await denyChange(actor, row, 'update', 'not_prescriber');
    } else if (input.remindersEnabled === true && !row.remindersEnabled) {
      // Opting out is the patient's choice; only the patient turns reminders back on.
      await denyChange(actor, row, 'update', 'patient_opted_out');
    }
    if (row.status !== 'active') {
      throw new ConflictError(
        'invalid_state',
        `The prescription is ${row.status} and can no longer be changed.`,
      );
    }

    const patch: Partial<PrescriptionRow> & Record<string, unknown> = { updatedAt: new Date() };
    let replan = false;
    if (input.notes !== undefined) patch.notes = input.notes?.trim() || null;
    if (input.remindersEnabled !== undefined && input.remindersEnabled !== row.remindersEnabled) {
      patch.remindersEnabled = input.remindersEnabled;
      replan = true;
    }
    if (input.medications !== undefined) {
      const patient = (await trx('patients').where({ id: row.patientId }).first()) as { timeZone: string };
      const { medications, lastDoseAt } = normaliseMedications(input.medications, patient.timeZone);
      await replaceMedications(trx, id, medications);
      patch.lastDoseAt = lastDoseAt;
      patch.version = row.version + 1;
      replan = true;
    }
    await trx('prescriptions').where({ id }).update(patch);
    if (replan) {
      await cancelPendingDoses(
        trx,
        id,
        input.remindersEnabled === false ? 'opted_out' : 'prescription_changed',
      );
      await scheduleDoses(trx, id);
    }
    await recordAudit(
      actor,
      {
        entity: AUDIT_ENTITY,
        entityId: id,
        action: 'update',
        outcome: 'success',
        patientId: row.patientId,
        details: { fields, ...(patch.version ? { version: patch.version } : {}) },
      },
      trx,
    );
    const fresh = (await trx('prescriptions').where({ id }).first()) as PrescriptionRow;
    return (await withMedications(trx, [fresh]))[0];
  });
}

/** Switches the patient's medication reminders for one prescription off (the email's opt-out link). */
export function optOutOfReminders(actor: Actor, id: string): Promise<Prescription> {
  return updatePrescription(actor, id, { remindersEnabled: false });
}
