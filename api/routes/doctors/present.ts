import { isAdmin, type Actor } from '../../../domain/auth/actor.js';
import type { DoctorView } from '../../../domain/doctors/doctor-view.js';

/** Doctor → public directory shape (no contact details, no account status). */
export function presentDoctor(d: DoctorView) {
  return {
    id: d.id,
    name: d.name,
    specialization: d.specialization,
    bio: d.bio,
    feeCents: d.feeCents,
    currency: d.currency,
    timeZone: d.timeZone,
    rating: d.rating === null ? null : Number(d.rating),
    ratingCount: d.ratingCount,
    ...(d.avatarUrl ? { avatarUrl: d.avatarUrl } : {}),
  };
}

/** Doctor → profile with contact details; the account status only for admins and the doctor. */
export function presentDoctorProfile(d: DoctorView, viewer: Actor) {
  return {
    ...presentDoctor(d),
    phone: d.phone,
    contactEmail: d.contactEmail,
    ...(isAdmin(viewer) || viewer.userId === d.id ? { status: d.status } : {}),
  };
}
