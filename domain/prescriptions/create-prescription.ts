import { withTransaction } from '../../db/transaction.js';
import { ConflictError, ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { applyPatientScope } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { recordAudit } from '../audit/record-audit.js';
import { scheduleDoses } from './dose-scheduling.js';
import { normaliseMedications, replaceMedications } from './medication-input.js';
import { AUDIT_ENTITY, withMedications, type Prescription, type PrescriptionRow } from './prescription.js';
import type { CreatePrescriptionInput } from './schemas.js';

/** Appointment states on which a prescription may be written. */
export const PRESCRIBABLE_STATUSES = ['confirmed', 'completed'] as const;

/**
 * Writes a prescription for an appointment, by that appointment's doctor only, and materialises
 * the first window of medication reminders in the same transaction.
 * 404 when the appointment is missing or its patient is outside the doctor's care; 403 when the
 * doctor may see the patient but the appointment is another doctor's; 409 `invalid_state` unless
 * the appointment is confirmed or completed.
 */
export function createPrescription(actor: Actor, input: CreatePrescriptionInput): Promise<Prescription> {
  return withTransaction(async (trx) => {
    // A share lock keeps the appointment's state and doctor fixed until the prescription commits.
    const appt = (await trx('appointments').where({ id: input.appointmentId }).forShare().first()) as
      { id: string; doctorId: string; patientId: string; status: string } | undefined;
    if (!appt) throw new NotFoundError('appointment');
    if (appt.doctorId !== actor.userId) {
      // Another doctor learns that the appointment exists only if the patient is in their care.
      const inCare = await applyPatientScope(
        trx('patients').select('patients.id'),
        actor,
        'prescriptions',
        'write',
      )
        .where('patients.id', appt.patientId)
        .first();
      await recordAudit(actor, {
        entity: AUDIT_ENTITY,
        action: 'create',
        outcome: 'denied',
        patientId: appt.patientId,
        details: { reason: inCare ? 'not_appointment_doctor' : 'not_visible', appointmentId: appt.id },
      });
      if (!inCare) throw new NotFoundError('appointment');
      throw new ForbiddenError('forbidden', "Only the appointment's doctor may prescribe for it.");
    }
    if (!(PRESCRIBABLE_STATUSES as readonly string[]).includes(appt.status)) {
      throw new ConflictError(
        'invalid_state',
        `Prescriptions need a confirmed or completed appointment; this one is ${appt.status}.`,
      );
    }
    const patient = (await trx('patients').where({ id: appt.patientId }).whereNull('deletedAt').first()) as
      { id: string; timeZone: string } | undefined;
    if (!patient) throw new NotFoundError('appointment');
    const { medications, lastDoseAt } = normaliseMedications(input.medications, patient.timeZone);
    const [row] = (await trx('prescriptions')
      .insert({
        appointmentId: appt.id,
        patientId: appt.patientId,
        doctorId: appt.doctorId,
        notes: input.notes?.trim() || null,
        lastDoseAt,
      })
      .returning('*')) as PrescriptionRow[];
    await replaceMedications(trx, row.id, medications);
    await scheduleDoses(trx, row.id);
    await recordAudit(
      actor,
      {
        entity: AUDIT_ENTITY,
        entityId: row.id,
        action: 'create',
        outcome: 'success',
        patientId: row.patientId,
        details: { appointmentId: appt.id, medications: medications.length },
      },
      trx,
    );
    const fresh = (await trx('prescriptions').where({ id: row.id }).first()) as PrescriptionRow;
    return (await withMedications(trx, [fresh]))[0];
  });
}
