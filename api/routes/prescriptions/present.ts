import type { Prescription } from '../../../domain/prescriptions/prescription.js';

/** A prescription as the API returns it; optional fields are left out when empty. */
export function presentPrescription(p: Prescription) {
  return {
    id: p.id,
    appointmentId: p.appointmentId,
    patientId: p.patientId,
    doctorId: p.doctorId,
    status: p.status,
    ...(p.notes ? { notes: p.notes } : {}),
    remindersEnabled: p.remindersEnabled,
    medications: p.medications.map((m) => ({
      name: m.name,
      dosage: m.dosage,
      doseTimes: m.doseTimes,
      startDate: m.startDate,
      durationDays: m.durationDays,
      ...(m.instructions ? { instructions: m.instructions } : {}),
    })),
    lastDoseAt: new Date(p.lastDoseAt).toISOString(),
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
    ...(p.dispensed
      ? {
          dispensed: p.dispensed.map((d) => ({
            ...d,
            dispensedAt: new Date(d.dispensedAt).toISOString(),
          })),
        }
      : {}),
  };
}
