import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { doctorViewQuery, type DoctorView } from './doctor-view.js';
import type { ListDoctorsQuery } from './schemas.js';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Lists active doctors (the public directory), sorted by name, with keyset pagination. */
export async function listDoctors(query: ListDoctorsQuery) {
  const after = decodeCursor(query.cursor, 2);
  const qb = doctorViewQuery(db())
    .select(db().raw('lower(u.name) as sort_name'))
    .where('u.status', 'active')
    .where('u.role', 'doctor');
  if (query.specialization)
    qb.whereRaw('lower(d.specialization) = ?', [query.specialization.trim().toLowerCase()]);
  if (query.q) {
    const like = `%${escapeLike(query.q.toLowerCase())}%`;
    qb.where((w) =>
      w.whereRaw('lower(u.name) like ?', [like]).orWhereRaw('lower(d.specialization) like ?', [like]),
    );
  }
  if (after) qb.whereRaw('(lower(u.name), d.id) > (?, ?::uuid)', after);
  const rows = (await qb.orderByRaw('lower(u.name), d.id').limit(query.limit + 1)) as (DoctorView & {
    sortName: string;
  })[];
  return toPage(rows, query.limit, (r) => [r.sortName, r.id]);
}
