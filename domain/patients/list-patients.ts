import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import type { Actor } from '../auth/actor.js';
import { applyPatientScope } from '../access/policy.js';
import { PATIENT_COLUMNS, type PatientRow } from './patient.js';
import type { ListPatientsQuery } from './schemas.js';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const digits = (s: string) => s.replace(/[^0-9]/g, '');

/**
 * Lists the patients the actor may see, sorted by name, with keyset pagination.
 * A patient sees only their own profile; a doctor those in their care.
 */
export async function listPatients(actor: Actor, query: ListPatientsQuery) {
  const after = decodeCursor(query.cursor, 2);
  const qb = applyPatientScope(
    db()('patients').select([...PATIENT_COLUMNS, db().raw('lower(patients.name) as sort_name')]),
    actor,
    'demographics',
    'read',
  );
  const nameLike = (w: typeof qb, term: string) =>
    w.whereRaw('lower(patients.name) like ?', [`%${escapeLike(term.toLowerCase())}%`]);
  const phoneLike = (w: typeof qb, term: string) =>
    w.whereRaw(`regexp_replace(coalesce(patients.phone, ''), '[^0-9]', '', 'g') like ?`, [
      `%${escapeLike(digits(term))}%`,
    ]);
  if (query.name) nameLike(qb, query.name);
  if (query.phone) {
    if (!digits(query.phone)) qb.whereRaw('false');
    else phoneLike(qb, query.phone);
  }
  if (query.q) {
    const q = query.q;
    qb.where((w) => {
      nameLike(w, q);
      if (digits(q).length >= 3) w.orWhere((o) => phoneLike(o, q));
    });
  }
  if (after) qb.whereRaw('(lower(patients.name), patients.id) > (?, ?::uuid)', after);
  const rows = (await qb
    .orderByRaw('lower(patients.name), patients.id')
    .limit(query.limit + 1)) as (PatientRow & { sortName: string })[];
  return toPage(rows, query.limit, (r) => [r.sortName, r.id]);
}
