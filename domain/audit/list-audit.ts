import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { withTransaction } from '../../db/transaction.js';
import type { Actor } from '../auth/actor.js';
import { recordAudit } from './record-audit.js';
import type { AuditOutcome, ListAuditQuery } from './schemas.js';
import { clinicRangeBound } from '../../lib/time-range.js';

/** One row of the audit log as stored. */
export interface AuditEventRow {
  id: number;
  occurredAt: Date;
  actorId: string | null;
  actorRole: string | null;
  patientId: string | null;
  entity: string;
  entityId: string | null;
  action: string;
  outcome: AuditOutcome;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  chain: number;
  prevHash: string;
  hash: string;
}

/**
 * Queries the audit log, newest first (by id, which is each chain's order), with filters and keyset
 * pagination. Looking at the log is itself logged, with the filters used.
 */
export async function listAuditEvents(actor: Actor, query: ListAuditQuery) {
  const after = decodeCursor(query.cursor, 1);
  const qb = db()('auditEvents').select('*');
  for (const key of ['actorId', 'patientId', 'entity', 'action', 'outcome'] as const) {
    if (query[key] !== undefined) qb.where(key, query[key]);
  }
  if (query.from) qb.where('occurredAt', '>=', clinicRangeBound(query.from, 'from'));
  if (query.to) qb.where('occurredAt', '<', clinicRangeBound(query.to, 'to'));
  if (after) qb.where('id', '<', after[0]);
  const rows = (await qb.orderBy('id', 'desc').limit(query.limit + 1)) as AuditEventRow[];
  const page = toPage(rows, query.limit, (r) => [r.id]);
  const { limit: _limit, cursor: _cursor, ...filters } = query;
  await withTransaction((trx) =>
    recordAudit(
      actor,
      { entity: 'audit_log', action: 'read', outcome: 'success', details: { filters } },
      trx,
    ),
  );
  return page;
}
