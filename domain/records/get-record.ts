import { withTransaction } from '../../db/transaction.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import { emptyRecord, RECORD_COLUMNS, type MedicalRecordView } from './medical-record.js';

/**
 * Returns a patient's medical record (version 0 and empty lists when none was written yet).
 * The read is audited in the same transaction that reads it; denials are audited by the policy.
 */
export async function getRecord(actor: Actor, patientId: string): Promise<MedicalRecordView> {
  await loadPatientFor(actor, patientId, 'record', 'read');
  return withTransaction(async (trx) => {
    const row = (await trx('medicalRecords').select(RECORD_COLUMNS).where({ patientId }).first()) as
      MedicalRecordView | undefined;
    const record = row ?? emptyRecord(patientId);
    await recordAudit(
      actor,
      {
        entity: 'medical_record',
        entityId: patientId,
        action: 'read',
        outcome: 'success',
        patientId,
        details: { version: record.version },
      },
      trx,
    );
    return record;
  });
}
