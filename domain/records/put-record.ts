import { withTransaction } from '../../db/transaction.js';
import { ConflictError, PreconditionRequiredError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import { RECORD_COLUMNS, type MedicalRecordContent, type MedicalRecordView } from './medical-record.js';

/**
 * Replaces a patient's medical record if it is still at `expectedVersion` (0 = not written yet;
 * undefined = the caller did not say, 428), and keeps the new version in `medical_record_versions`.
 *
 * Optimistic concurrency: the write is `update … where version = expected`, so of two writers that
 * read the same version exactly one succeeds and the other gets 409 `stale_version` instead of
 * silently overwriting it. First writes race on the unique patient_id the same way. Stale attempts
 * are audited as failures; nothing else changes.
 */
export async function putRecord(
  actor: Actor,
  patientId: string,
  expectedVersion: number | undefined,
  content: MedicalRecordContent,
): Promise<MedicalRecordView> {
  await loadPatientFor(actor, patientId, 'record', 'write');
  if (expectedVersion === undefined) throw new PreconditionRequiredError();
  const data = {
    allergies: JSON.stringify(content.allergies),
    conditions: JSON.stringify(content.conditions),
    surgeries: JSON.stringify(content.surgeries),
    lifestyle: JSON.stringify(content.lifestyle),
    familyHistory: JSON.stringify(content.familyHistory),
  };
  const result = await withTransaction(async (trx) => {
    let row: MedicalRecordView | undefined;
    if (expectedVersion === 0) {
      [row] = (await trx('medicalRecords')
        .insert({ patientId, ...data, version: 1, updatedBy: actor.userId })
        .onConflict('patientId')
        .ignore()
        .returning(RECORD_COLUMNS)) as MedicalRecordView[];
    } else {
      [row] = (await trx('medicalRecords')
        .update({
          ...data,
          version: trx.raw('version + 1'),
          updatedBy: actor.userId,
          updatedAt: trx.fn.now(),
        })
        .where({ patientId, version: expectedVersion })
        .returning(RECORD_COLUMNS)) as MedicalRecordView[];
    }
    if (!row) return undefined;
    await trx('medicalRecordVersions').insert({
      patientId,
      version: row.version,
      data: JSON.stringify(content),
      updatedBy: actor.userId,
    });
    await recordAudit(
      actor,
      {
        entity: 'medical_record',
        entityId: patientId,
        action: expectedVersion === 0 ? 'create' : 'update',
        outcome: 'success',
        patientId,
        details: { version: row.version },
      },
      trx,
    );
    return row;
  });
  if (!result) {
    const current = await withTransaction(async (trx) => {
      const cur = await trx('medicalRecords').select('version').where({ patientId }).first();
      const version = (cur?.version as number | undefined) ?? 0;
      await recordAudit(
        actor,
        {
          entity: 'medical_record',
          entityId: patientId,
          action: 'update',
          outcome: 'failure',
          patientId,
          details: { reason: 'stale_version', expectedVersion, currentVersion: version },
        },
        trx,
      );
      return version;
    });
    throw new ConflictError(
      'stale_version',
      `The record changed since version ${expectedVersion} (it is now at version ${current}); reload it and apply your change again.`,
    );
  }
  return result;
}
