import { withTransaction } from '../../db/transaction.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadReportFor, type ReportRow } from './report.js';

/** Returns one report's metadata (including its thumbnail state); the read is audited. */
export async function getReport(actor: Actor, reportId: string): Promise<ReportRow> {
  return withTransaction(async (trx) => {
    const report = await loadReportFor(actor, reportId, 'read', trx);
    await recordAudit(
      actor,
      {
        entity: 'report',
        entityId: report.id,
        action: 'read',
        outcome: 'success',
        patientId: report.patientId,
      },
      trx,
    );
    return report;
  });
}
