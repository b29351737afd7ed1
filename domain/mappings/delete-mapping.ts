import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';

/**
 * Removes a mapping (admins, staff and nurses). The doctor keeps access only if the patient has an
 * appointment with them. The audit row keeps who was mapped, since the mapping row is gone.
 */
export async function deleteMapping(actor: Actor, mappingId: string): Promise<void> {
  await withTransaction(async (trx) => {
    const [row] = await trx('patientDoctorMappings')
      .delete()
      .where({ id: mappingId })
      .returning(['patientId', 'doctorId']);
    if (!row) throw new NotFoundError('mapping');
    await recordAudit(
      actor,
      {
        entity: 'mapping',
        entityId: mappingId,
        action: 'delete',
        outcome: 'success',
        patientId: row.patientId,
        details: { doctorId: row.doctorId },
      },
      trx,
    );
  });
}
