import { withTransaction } from '../../db/transaction.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { loadPatientFor } from '../access/policy.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import type { ReportRow } from './report.js';
import type { ListReportsQuery } from './schemas.js';

/**
 * Lists a patient's live reports, newest first (keyset pages). The read is audited with the ids it
 * returned; 404 for a patient the actor may not see.
 */
export async function listReports(actor: Actor, patientId: string, query: ListReportsQuery) {
  await loadPatientFor(actor, patientId, 'reports', 'read');
  const after = decodeCursor(query.cursor, 2);
  return withTransaction(async (trx) => {
    // The cursor carries created_at at full microsecond precision, which a JS Date would round.
    const q = trx('reports')
      .select(
        '*',
        trx.raw(`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`),
      )
      .where({ patientId })
      .whereNull('deletedAt');
    if (query.kind) q.where({ kind: query.kind });
    if (after) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', after);
    const rows = (await q
      .orderBy([
        { column: 'createdAt', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit + 1)) as (ReportRow & { cursorAt: string })[];
    const page = toPage(rows, query.limit, (r) => [r.cursorAt, r.id]);
    await recordAudit(
      actor,
      {
        entity: 'report',
        action: 'list',
        outcome: 'success',
        patientId,
        details: { reportIds: page.items.map((r) => r.id) },
      },
      trx,
    );
    return page;
  });
}
