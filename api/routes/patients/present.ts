import { ageOf, type PatientRow } from '../../../domain/patients/patient.js';
import type { Patient } from './schemas.js';

/** Patient row → wire shape `{id, name, birthDate?, age?, gender?, phone?, email?, address?, timeZone, userId?, createdAt}`. */
export function presentPatient(p: PatientRow): Patient {
  const age = ageOf(p.birthDate);
  return {
    id: p.id,
    name: p.name,
    ...(p.birthDate ? { birthDate: p.birthDate } : {}),
    ...(age !== null ? { age } : {}),
    ...(p.gender ? { gender: p.gender } : {}),
    ...(p.phone ? { phone: p.phone } : {}),
    ...(p.email ? { email: p.email } : {}),
    ...(p.address ? { address: p.address } : {}),
    timeZone: p.timeZone,
    ...(p.userId ? { userId: p.userId } : {}),
    createdAt: p.createdAt.toISOString(),
  };
}
