import { decodeCursor, toPage } from '../../db/pagination.js';
import { withTransaction } from '../../db/transaction.js';
import { loadPatientFor } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import { dispensedFor } from '../inventory/dispensed.js';
import {
  AUDIT_ENTITY,
  loadVisiblePrescription,
  withMedications,
  type Prescription,
  type PrescriptionRow,
} from './prescription.js';
import type { ListPatientPrescriptionsQuery } from './schemas.js';

/**
 * Returns one prescription (any status: deleted ones are kept as history) with its medications and
 * what was dispensed against it from inventory.
 * 403 for roles without access to prescriptions, 404 when missing or not the caller's; audited.
 */
export function getPrescription(actor: Actor, id: string): Promise<Prescription> {
  return withTransaction(async (trx) => {
    const row = await loadVisiblePrescription(trx, actor, id, 'read');
    await recordAudit(
      actor,
      { entity: AUDIT_ENTITY, entityId: id, action: 'read', outcome: 'success', patientId: row.patientId },
      trx,
    );
    const [prescription] = await withMedications(trx, [row]);
    return { ...prescription, dispensed: (await dispensedFor(trx, [id])).get(id) ?? [] };
  });
}

export type ListPrescriptionsQuery = ListPatientPrescriptionsQuery;

/**
 * Lists a patient's prescriptions, newest first, keyset-paginated; optionally one status.
 * The patient must be within the caller's prescriptions scope (403/404 otherwise); audited.
 */
export function listPatientPrescriptions(actor: Actor, patientId: string, query: ListPrescriptionsQuery) {
  return withTransaction(async (trx) => {
    await loadPatientFor(actor, patientId, 'prescriptions', 'read', trx);
    const after = decodeCursor(query.cursor, 2);
    const q = trx('prescriptions')
      .where({ patientId })
      .select(
        '*',
        trx.raw(`to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"`),
      );
    if (query.status) q.where({ status: query.status });
    if (after) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', after);
    const rows = (await q
      .orderBy([
        { column: 'createdAt', order: 'desc' },
        { column: 'id', order: 'desc' },
      ])
      .limit(query.limit + 1)) as (PrescriptionRow & { cursorAt: string })[];
    // The cursor keeps created_at to the microsecond: a millisecond one would skip rows sharing a millisecond.
    const page = toPage(rows, query.limit, (r) => [r.cursorAt, r.id]);
    await recordAudit(
      actor,
      {
        entity: AUDIT_ENTITY,
        action: 'list',
        outcome: 'success',
        patientId,
        details: { count: page.items.length },
      },
      trx,
    );
    return { items: await withMedications(trx, page.items), nextCursor: page.nextCursor } as {
      items: Prescription[];
      nextCursor: string | null;
    };
  });
}
