/** Account roles. Sub-roles of admins (`appointment-manager`, …) live in `adminRoles`. */
export const ROLES = ['super-admin', 'admin', 'doctor', 'nurse', 'staff', 'patient'] as const;
export type Role = (typeof ROLES)[number];

export const ADMIN_SUB_ROLES = ['appointment-manager', 'billing-manager', 'inventory-manager'] as const;
export type AdminSubRole = (typeof ADMIN_SUB_ROLES)[number];

/** A role a route may grant: an account role or an admin sub-role. */
export type Grant = Role | AdminSubRole;

/** Who is making a request (or on whose behalf a job acts). */
export interface Actor {
  userId: string;
  role: Role;
  adminRoles: AdminSubRole[];
  /** The patient profile of a patient user. */
  patientId?: string;
  /** Token id, for logout. */
  jti?: string;
  /** The token's generation claim; a password change or suspension makes it stale. */
  tokenGeneration?: number;
  tokenExpiresAt?: Date;
  ip?: string;
  requestId?: string;
}

export const isAdmin = (a: Pick<Actor, 'role'>): boolean => a.role === 'admin' || a.role === 'super-admin';

/**
 * Whether the actor holds a grant. Super-admins hold every admin grant; an admin sub-role is held
 * by admins who were given it (and by every super-admin).
 */
export function hasGrant(a: Pick<Actor, 'role' | 'adminRoles'>, grant: Grant): boolean {
  if (a.role === grant) return true;
  if (a.role === 'super-admin')
    return grant === 'admin' || (ADMIN_SUB_ROLES as readonly string[]).includes(grant);
  if (a.role === 'admin') return a.adminRoles.includes(grant as AdminSubRole);
  return false;
}

export const hasAnyGrant = (a: Pick<Actor, 'role' | 'adminRoles'>, grants: readonly Grant[]): boolean =>
  grants.some((g) => hasGrant(a, g));
