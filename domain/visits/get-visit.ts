import { db } from '../../db/knex.js';
import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import { VISIT_COLUMNS, type VisitRow } from './visit.js';

/**
 * Finds a visit and checks that the actor may reach its patient for `op`; an unknown visit is
 * audited as a denied attempt (probing ids is what the audit log is for) and answers 404.
 */
export async function loadVisitFor(actor: Actor, visitId: string, op: 'read' | 'write'): Promise<VisitRow> {
  const visit = (await db()('visits').select(VISIT_COLUMNS).where({ id: visitId }).first()) as
    VisitRow | undefined;
  if (!visit) {
    await recordAudit(actor, {
      entity: 'visit',
      entityId: visitId,
      action: op,
      outcome: 'denied',
      details: { reason: 'not_found' },
    });
    throw new NotFoundError('visit');
  }
  await loadPatientFor(actor, visit.patientId, 'visits', op);
  return visit;
}

/** Returns one visit the actor may read; the read is audited. */
export async function getVisit(actor: Actor, visitId: string): Promise<VisitRow> {
  const visit = await loadVisitFor(actor, visitId, 'read');
  return withTransaction(async (trx) => {
    await recordAudit(
      actor,
      { entity: 'visit', entityId: visit.id, action: 'read', outcome: 'success', patientId: visit.patientId },
      trx,
    );
    return visit;
  });
}
