import { withTransaction } from '../../db/transaction.js';
import { ForbiddenError, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import { isAdmin, type Actor } from '../auth/actor.js';
import { assertTimeZone } from '../patients/patient.js';
import { doctorScheduleChanged } from '../scheduling/doctor-cache.js';
import { doctorViewQuery, type DoctorView } from './doctor-view.js';
import type { UpdateDoctorInput } from './schemas.js';

/**
 * Updates a doctor's profile: the doctor themself or an admin. Another doctor gets 403 (the
 * profile is visible to them, so 404 would be a lie); an unknown id, or a pending or suspended
 * doctor they cannot see, 404.
 */
export async function updateDoctor(
  actor: Actor,
  doctorId: string,
  input: UpdateDoctorInput,
): Promise<DoctorView> {
  if (input.timeZone !== undefined) assertTimeZone(input.timeZone);
  const view = await withTransaction(async (trx) => {
    const current = (await trx({ d: 'doctors' })
      .join({ u: 'users' }, 'u.id', 'd.id')
      .select('d.id', 'u.status')
      .where('d.id', doctorId)
      .forUpdate('d')
      .first()) as { id: string; status: string } | undefined;
    // A doctor others cannot see (pending, suspended) is 404 to them, as on GET /doctors/:id.
    if (!current || (current.status !== 'active' && !isAdmin(actor) && actor.userId !== doctorId))
      throw new NotFoundError('doctor');
    if (!isAdmin(actor) && actor.userId !== doctorId)
      throw new ForbiddenError('forbidden', 'Only the doctor or an admin may change this profile.');
    const patch: Record<string, unknown> = { ...input, updatedAt: trx.fn.now() };
    if (typeof input.currency === 'string') patch.currency = input.currency.toLowerCase();
    if (typeof input.contactEmail === 'string') patch.contactEmail = input.contactEmail.toLowerCase();
    await trx('doctors').update(patch).where({ id: doctorId });
    await recordAudit(
      actor,
      {
        entity: 'doctor',
        entityId: doctorId,
        action: 'update',
        outcome: 'success',
        details: { fields: Object.keys(input) },
      },
      trx,
    );
    return (await doctorViewQuery(trx).where('d.id', doctorId).first()) as DoctorView;
  });
  // The zone and specialization decide slot listings: this process's next one must see them.
  doctorScheduleChanged(doctorId);
  return view;
}
