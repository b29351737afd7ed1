import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import type { Actor } from '../auth/actor.js';
import { MAPPING_COLUMNS, type MappingRow } from './mapping.js';
import type { ListMappingsQuery } from './schemas.js';

/**
 * Lists mappings, newest first. Admins, staff and nurses see all; a doctor only their own; a
 * patient only their own (filters naming someone else simply match nothing).
 */
export async function listMappings(actor: Actor, query: ListMappingsQuery) {
  const after = decodeCursor(query.cursor, 2);
  const qb = db()('patientDoctorMappings as m')
    .select(MAPPING_COLUMNS.map((c) => `m.${c}`))
    .select(
      db().raw(`to_char(m.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`),
    )
    .join('patients as p', 'p.id', 'm.patientId')
    .whereNull('p.deletedAt');
  if (actor.role === 'doctor') qb.where('m.doctorId', actor.userId);
  if (actor.role === 'patient') qb.where('m.patientId', actor.patientId ?? null);
  if (query.patientId) qb.where('m.patientId', query.patientId);
  if (query.doctorId) qb.where('m.doctorId', query.doctorId);
  if (after) qb.whereRaw('(m.created_at, m.id) < (?::timestamptz, ?::uuid)', after);
  const rows = (await qb
    .orderBy([
      { column: 'm.createdAt', order: 'desc' },
      { column: 'm.id', order: 'desc' },
    ])
    .limit(query.limit + 1)) as (MappingRow & { cursorAt: string })[];
  return toPage(rows, query.limit, (r) => [r.cursorAt, r.id]);
}
