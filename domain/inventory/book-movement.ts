import { withTransaction } from '../../db/transaction.js';
import { ConflictError } from '../../lib/errors.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import { AUDIT_ENTITY, loadVisiblePrescription } from '../prescriptions/prescription.js';
import { applyMovement, type Movement } from './movement.js';
import type { MovementInput } from './schemas.js';

/**
 * Books a movement on an item: receive into a lot, dispense (FEFO across lots without `lot`),
 * adjust ± with a reason, return into a lot, expire from a lot. The movement kind is checked against
 * the inventory policy (nurses dispense only). Stock never goes below zero: 409 insufficient_stock.
 *
 * A dispense may name the active prescription it fills: the caller must be able to read it (nurses
 * and admins), it must be `active` (409 prescription_not_active), and the dispense is audited as an
 * access to clinical data — written before the item is locked (audit lock first, then the item).
 */
export function bookMovement(actor: Actor, itemId: string, input: MovementInput): Promise<Movement> {
  assertInventory(actor, input.kind);
  return withTransaction(async (trx) => {
    if (input.kind === 'dispense' && input.prescriptionId) {
      const p = await loadVisiblePrescription(trx, actor, input.prescriptionId, 'read');
      if (p.status !== 'active') {
        throw new ConflictError('prescription_not_active', `The prescription is ${p.status}.`);
      }
      await recordAudit(
        actor,
        {
          entity: AUDIT_ENTITY,
          entityId: p.id,
          action: 'dispense',
          outcome: 'success',
          patientId: p.patientId,
          details: { itemId, quantity: input.quantity },
        },
        trx,
      );
    }
    return applyMovement(trx, actor.userId, itemId, input);
  });
}
