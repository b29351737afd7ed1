import { db } from '../../db/knex.js';
import { NotFoundError } from '../../lib/errors.js';
import { isAdmin, type Actor } from '../auth/actor.js';
import { doctorViewQuery, type DoctorView } from './doctor-view.js';

/**
 * Returns a doctor's profile. Active doctors are visible to every signed-in user; a pending or
 * suspended one only to admins and to the doctor themself (others get 404).
 */
export async function getDoctor(actor: Actor, doctorId: string): Promise<DoctorView> {
  const row = (await doctorViewQuery(db()).where('d.id', doctorId).first()) as DoctorView | undefined;
  if (!row || (row.status !== 'active' && !isAdmin(actor) && actor.userId !== doctorId))
    throw new NotFoundError('doctor');
  return row;
}
