import type { Knex } from 'knex';
import { db } from '../../db/knex.js';

/** A doctor as the domain hands it to presenters: the doctor row plus the account's name and avatar. */
export interface DoctorView {
  id: string;
  name: string;
  specialization: string | null;
  bio: string | null;
  phone: string | null;
  contactEmail: string | null;
  feeCents: number;
  currency: string;
  timeZone: string;
  /** numeric(3,2) arrives as a string; null until the first review. */
  rating: string | null;
  ratingCount: number;
  avatarUrl: string | null;
  status: string;
}

/** doctors `d` joined to their account `u`, selecting a {@link DoctorView}. */
export function doctorViewQuery(trx: Knex | Knex.Transaction = db()) {
  return trx({ d: 'doctors' })
    .join({ u: 'users' }, 'u.id', 'd.id')
    .select(
      'd.id',
      'u.name',
      'd.specialization',
      'd.bio',
      'd.phone',
      'd.contactEmail',
      'd.feeCents',
      'd.currency',
      'd.timeZone',
      'd.rating',
      'd.ratingCount',
      'u.avatarUrl',
      'u.status',
    );
}
