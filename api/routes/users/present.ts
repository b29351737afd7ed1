import type { UserView } from '../../../domain/users/user-view.js';

/**
 * An account on the wire: never the password hash or the token generation (they are not even
 * selected). Role-specific ids are added for the role that has them.
 */
export function presentUser(u: UserView) {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    role: u.role,
    status: u.status,
    emailVerified: u.emailVerified,
    adminRoles: u.adminRoles ?? [],
    phone: u.phone,
    gender: u.gender,
    avatarUrl: u.avatarUrl,
    createdAt: new Date(u.createdAt).toISOString(),
    ...(u.role === 'patient' && u.patientId
      ? { patientId: u.patientId, timeZone: u.timeZone ?? undefined }
      : {}),
    ...(u.role === 'doctor' ? { doctorId: u.id } : {}),
  };
}
