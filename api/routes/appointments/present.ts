import type { AppointmentRow } from '../../../domain/appointments/appointment.js';
import type { HistoryEntry as HistoryRow } from '../../../domain/appointments/list-appointments.js';
import type { Appointment, HistoryEntry } from './schemas.js';

/** An appointment as the API returns it; optional fields are left out when empty. */
export function presentAppointment(a: AppointmentRow): Appointment {
  return {
    id: a.id,
    doctorId: a.doctorId,
    patientId: a.patientId,
    startsAt: a.startsAt.toISOString(),
    endsAt: a.endsAt.toISOString(),
    status: a.status,
    paymentStatus: a.paymentStatus,
    feeCents: a.feeCents,
    currency: a.currency,
    ...(a.reason ? { reason: a.reason } : {}),
    ...(a.followUpOf ? { followUpOf: a.followUpOf } : {}),
    createdAt: a.createdAt.toISOString(),
    updatedAt: a.updatedAt.toISOString(),
  };
}

export function presentHistoryEntry(h: HistoryRow): HistoryEntry {
  return {
    id: h.id,
    fromStatus: h.fromStatus,
    toStatus: h.toStatus,
    actorId: h.actorId,
    reason: h.reason,
    fromStartsAt: h.fromStartsAt ? h.fromStartsAt.toISOString() : null,
    toStartsAt: h.toStartsAt ? h.toStartsAt.toISOString() : null,
    createdAt: h.createdAt.toISOString(),
  };
}
