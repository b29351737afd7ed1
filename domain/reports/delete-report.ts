import { queueObjectDeletion } from '../files/delete-stored-object.js';
import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { isAdmin, type Actor } from '../auth/actor.js';
import { loadReportFor, thumbnailKey } from './report.js';

/**
 * Soft-deletes a report and queues the removal of its file and thumbnail from storage.
 * Allowed to its uploader while they may still write the patient's reports, and to admins
 * (who clean up misfiled uploads). Others who can see the report get 403; those who cannot, 404.
 */
export async function deleteReport(actor: Actor, reportId: string): Promise<void> {
  await withTransaction(async (trx) => {
    const report = await loadReportFor(actor, reportId, isAdmin(actor) ? 'read' : 'write', trx);
    if (!isAdmin(actor) && report.uploadedBy !== actor.userId) {
      throw new ForbiddenError('forbidden', 'Only the uploader or an admin can delete a report.');
    }
    const updated = await trx('reports')
      .where({ id: report.id })
      .whereNull('deletedAt')
      .update({ deletedAt: trx.fn.now(), deletedBy: actor.userId, updatedAt: trx.fn.now() });
    if (!updated) return;
    // The thumbnail key is derived, not read: a thumbnail job still running now writes exactly there.
    for (const key of [report.storageKey, thumbnailKey(report.id)]) {
      await queueObjectDeletion(trx, key);
    }
    await recordAudit(
      actor,
      {
        entity: 'report',
        entityId: report.id,
        action: 'delete',
        outcome: 'success',
        patientId: report.patientId,
      },
      trx,
    );
  });
}
