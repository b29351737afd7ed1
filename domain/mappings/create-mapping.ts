import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { MAPPING_COLUMNS, type MappingRow } from './mapping.js';
import type { CreateMappingInput } from './schemas.js';

/**
 * Maps a patient to a doctor (admins, staff and nurses; the route enforces it). Doctors may not map
 * patients to themselves: a mapping grants access to the chart, so it is granted by someone else.
 * 404 for an unknown or deleted patient or an inactive doctor; 409 `duplicate` for an existing pair
 * (the unique constraint decides, so two concurrent requests cannot both succeed).
 */
export async function createMapping(actor: Actor, input: CreateMappingInput): Promise<MappingRow> {
  return withTransaction(async (trx) => {
    const patient = await trx('patients')
      .select('id')
      .where({ id: input.patientId })
      .whereNull('deletedAt')
      .first();
    if (!patient) throw new NotFoundError('patient');
    const doctor = await trx({ d: 'doctors' })
      .join({ u: 'users' }, 'u.id', 'd.id')
      .select('d.id')
      .where('d.id', input.doctorId)
      .where('u.status', 'active')
      .first();
    if (!doctor) throw new NotFoundError('doctor');
    const [row] = (await trx('patientDoctorMappings')
      .insert({ patientId: input.patientId, doctorId: input.doctorId, createdBy: actor.userId })
      .returning(MAPPING_COLUMNS)) as MappingRow[];
    await recordAudit(
      actor,
      {
        entity: 'mapping',
        entityId: row.id,
        action: 'create',
        outcome: 'success',
        patientId: row.patientId,
        details: { doctorId: row.doctorId },
      },
      trx,
    );
    return row;
  });
}
