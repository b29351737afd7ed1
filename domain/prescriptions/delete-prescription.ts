import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import type { Actor } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import { cancelPendingDoses } from './dose-scheduling.js';
import { AUDIT_ENTITY, denyChange, loadVisiblePrescription } from './prescription.js';

/**
 * Deletes a prescription by setting its status to `deleted` (the row and its medications stay as
 * history), by the prescribing doctor only. Pending reminders are cancelled and their jobs removed
 * in the same transaction, so none goes out after the commit.
 * 404 when not visible, 403 for another doctor, 409 `invalid_state` when already deleted.
 */
export function deletePrescription(actor: Actor, id: string): Promise<void> {
  return withTransaction(async (trx) => {
    const row = await loadVisiblePrescription(trx, actor, id, 'read', { forUpdate: true });
    if (row.doctorId !== actor.userId) await denyChange(actor, row, 'delete', 'not_prescriber');
    if (row.status === 'deleted')
      throw new ConflictError('invalid_state', 'The prescription is already deleted.');
    await trx('prescriptions').where({ id }).update({
      status: 'deleted',
      deletedAt: trx.fn.now(),
      deletedBy: actor.userId,
      updatedAt: trx.fn.now(),
    });
    const cancelled = await cancelPendingDoses(trx, id, 'prescription_deleted');
    await recordAudit(
      actor,
      {
        entity: AUDIT_ENTITY,
        entityId: id,
        action: 'delete',
        outcome: 'success',
        patientId: row.patientId,
        details: { cancelledDoses: cancelled },
      },
      trx,
    );
  });
}
