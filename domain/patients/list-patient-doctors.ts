import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import type { Actor } from '../auth/actor.js';
import { loadPatientFor } from '../access/policy.js';
import { doctorViewQuery, type DoctorView } from '../doctors/doctor-view.js';

/**
 * Lists the doctors a patient is mapped to (newest mapping first), visible to whoever may read
 * the patient's demographics.
 */
export async function listPatientDoctors(
  actor: Actor,
  patientId: string,
  query: { limit: number; cursor?: string },
) {
  await loadPatientFor(actor, patientId, 'demographics', 'read');
  const after = decodeCursor(query.cursor, 2);
  const qb = doctorViewQuery(db())
    .join({ m: 'patientDoctorMappings' }, 'm.doctorId', 'd.id')
    .where('m.patientId', patientId)
    .select(
      'm.id as mappingId',
      db().raw(`to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as mapped_at`),
    );
  if (after) qb.whereRaw('(m.created_at, m.id) < (?::timestamptz, ?::uuid)', after);
  const rows = (await qb
    .orderBy([
      { column: 'm.createdAt', order: 'desc' },
      { column: 'm.id', order: 'desc' },
    ])
    .limit(query.limit + 1)) as (DoctorView & { mappingId: string; mappedAt: string })[];
  return toPage(rows, query.limit, (r) => [r.mappedAt, r.mappingId]);
}
