import { withTransaction } from '../../db/transaction.js';
import { ValidationError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import { assertNotFuture, VISIT_COLUMNS, type VisitRow } from './visit.js';
import type { CreateVisitInput } from './schemas.js';

/**
 * Records a visit (visits write: a doctor for patients in their care, a nurse for anyone).
 * A linked appointment must be this patient's (and this doctor's), and gets at most one visit.
 */
export async function createVisit(actor: Actor, input: CreateVisitInput): Promise<VisitRow> {
  if (actor.role === 'doctor' && input.doctorId !== undefined && input.doctorId !== actor.userId) {
    throw new ValidationError('The request is invalid.', [
      { path: '/doctorId', message: 'a doctor records their own visits' },
    ]);
  }
  assertNotFuture(input.occurredAt);
  await loadPatientFor(actor, input.patientId, 'visits', 'write');
  let doctorId = actor.role === 'doctor' ? actor.userId : (input.doctorId ?? null);
  return withTransaction(async (trx) => {
    if (input.appointmentId) {
      const appt = await trx('appointments')
        .select('patientId', 'doctorId')
        .where({ id: input.appointmentId })
        .first();
      if (!appt || appt.patientId !== input.patientId || (doctorId && appt.doctorId !== doctorId)) {
        throw new ValidationError('The request is invalid.', [
          {
            path: '/appointmentId',
            message: "is not an appointment of this patient with this visit's doctor",
          },
        ]);
      }
      doctorId ??= appt.doctorId as string;
    }
    if (doctorId && actor.role !== 'doctor') {
      const doctor = await trx('doctors').select('id').where({ id: doctorId }).first();
      if (!doctor)
        throw new ValidationError('The request is invalid.', [
          { path: '/doctorId', message: 'is not a doctor' },
        ]);
    }
    const [row] = (await trx('visits')
      .insert({
        patientId: input.patientId,
        doctorId,
        appointmentId: input.appointmentId ?? null,
        occurredAt: input.occurredAt ?? trx.fn.now(),
        complaint: input.complaint ?? null,
        diagnosis: input.diagnosis ?? null,
        treatment: input.treatment ?? null,
        notes: input.notes ?? null,
        createdBy: actor.userId,
      })
      .returning(VISIT_COLUMNS)) as VisitRow[];
    await recordAudit(
      actor,
      { entity: 'visit', entityId: row.id, action: 'create', outcome: 'success', patientId: row.patientId },
      trx,
    );
    return row;
  });
}
