import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadVisitFor } from './get-visit.js';
import { assertNotFuture, VISIT_COLUMNS, VISIT_TEXT_FIELDS, type VisitRow } from './visit.js';
import type { UpdateVisitInput } from './schemas.js';

/**
 * Amends a visit: only its author or the visit's doctor, and only while they may still write the
 * patient's visits. Others who may see the visit get 403; those who may not, 404. The audit row
 * names the fields changed, never their content.
 */
export async function updateVisit(actor: Actor, visitId: string, input: UpdateVisitInput): Promise<VisitRow> {
  assertNotFuture(input.occurredAt);
  const visit = await loadVisitFor(actor, visitId, 'write');
  if (visit.createdBy !== actor.userId && visit.doctorId !== actor.userId) {
    await recordAudit(actor, {
      entity: 'visit',
      entityId: visitId,
      action: 'update',
      outcome: 'denied',
      patientId: visit.patientId,
      details: { reason: 'not_author' },
    });
    throw new ForbiddenError('forbidden', "Only the visit's author or its doctor may amend it.");
  }
  return withTransaction(async (trx) => {
    const [row] = (await trx('visits')
      .update({ ...input, updatedAt: trx.fn.now() })
      .where({ id: visitId })
      .returning(VISIT_COLUMNS)) as VisitRow[];
    if (!row) throw new NotFoundError('visit');
    // The same rule as creation: a visit documents something. Checked on the updated row (and
    // rolled back) because the patch alone does not say what the other fields hold.
    if (VISIT_TEXT_FIELDS.every((f) => row[f] === null)) {
      throw new ValidationError('The request is invalid.', [
        { path: '', message: 'a visit keeps at least one of complaint, diagnosis, treatment, notes' },
      ]);
    }
    await recordAudit(
      actor,
      {
        entity: 'visit',
        entityId: visitId,
        action: 'update',
        outcome: 'success',
        patientId: row.patientId,
        details: { fields: Object.keys(input) },
      },
      trx,
    );
    return row;
  });
}
