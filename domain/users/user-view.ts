import type { Knex } from 'knex';
import { db } from '../../db/knex.js';
import type { AdminSubRole, Role } from '../auth/actor.js';

export type UserStatus = 'active' | 'pending' | 'suspended' | 'removed';

/** An account as the domain hands it to presenters; never carries the password hash or token generation. */
export interface UserView {
  id: string;
  name: string;
  email: string;
  role: Role;
  status: UserStatus;
  emailVerified: boolean;
  adminRoles: AdminSubRole[];
  phone: string | null;
  gender: string | null;
  avatarUrl: string | null;
  createdAt: Date;
  /** The patient profile of a patient user. */
  patientId: string | null;
  /** The patient profile's time zone, for patient users. */
  timeZone: string | null;
}

/** Columns selected for a {@link UserView}; `u` is users, `p` the user's live patient profile. */
export const USER_VIEW_COLUMNS = [
  'u.id',
  'u.name',
  'u.email',
  'u.role',
  'u.status',
  'u.emailVerified',
  'u.adminRoles',
  'u.phone',
  'u.gender',
  'u.avatarUrl',
  'u.createdAt',
  'p.id as patientId',
  'p.timeZone as timeZone',
] as const;

/** users `u` left-joined to their live patient profile `p`, ready for {@link USER_VIEW_COLUMNS}. */
export function userViewQuery(trx: Knex | Knex.Transaction = db()) {
  return trx({ u: 'users' })
    .leftJoin({ p: 'patients' }, (j) => j.on('p.userId', 'u.id').andOnNull('p.deletedAt'))
    .select(USER_VIEW_COLUMNS as unknown as string[]);
}

/** Loads one account's view, or undefined. */
export async function loadUserView(
  id: string,
  trx: Knex | Knex.Transaction = db(),
): Promise<UserView | undefined> {
  return (await userViewQuery(trx).where('u.id', id).first()) as UserView | undefined;
}
