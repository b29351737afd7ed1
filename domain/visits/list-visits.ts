import { decodeCursor, toPage } from '../../db/pagination.js';
import { withTransaction } from '../../db/transaction.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import { VISIT_COLUMNS, type VisitRow } from './visit.js';
import type { ListVisitsQuery } from './schemas.js';

/** A patient's visit timeline, newest first, with keyset pagination; the read is audited. */
export async function listPatientVisits(actor: Actor, patientId: string, query: ListVisitsQuery) {
  const after = decodeCursor(query.cursor, 2);
  await loadPatientFor(actor, patientId, 'visits', 'read');
  return withTransaction(async (trx) => {
    const qb = trx('visits')
      .select(VISIT_COLUMNS)
      .select(
        trx.raw(`to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`),
      )
      .where({ patientId });
    if (after) qb.whereRaw('(occurred_at, id) < (?::timestamptz, ?::uuid)', after);
    const rows = (await qb
      .orderBy([
        { column: 'occurredAt', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit + 1)) as (VisitRow & { cursorAt: string })[];
    const page = toPage(rows, query.limit, (r) => [r.cursorAt, r.id]);
    await recordAudit(
      actor,
      {
        entity: 'visit',
        action: 'list',
        outcome: 'success',
        patientId,
        details: { count: page.items.length },
      },
      trx,
    );
    return page;
  });
}
