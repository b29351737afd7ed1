import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import type { PatientRow } from './patient.js';

/** Returns a patient's profile the actor may see (demographics read), or 404. */
export async function getPatient(actor: Actor, patientId: string): Promise<PatientRow> {
  return (await loadPatientFor(actor, patientId, 'demographics', 'read')) as unknown as PatientRow;
}
