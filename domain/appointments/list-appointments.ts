import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import type { Actor } from '../auth/actor.js';
import {
  type AppointmentRow,
  type AppointmentStatus,
  loadVisibleAppointment,
  scopeToActor,
} from './appointment.js';
import type { ListAppointmentsQuery } from './schemas.js';
import { clinicRangeBound } from '../../lib/time-range.js';

/** Filters of `GET /appointments`; `from`/`to` bound the start time as `[from, to)`. */
export type AppointmentFilters = ListAppointmentsQuery;

/**
 * Lists the appointments the actor may see (patient: own; doctor: theirs; nurse, staff, admin: all),
 * filtered, by start time then id, keyset-paginated.
 */
export async function listAppointments(actor: Actor, f: AppointmentFilters) {
  const q = scopeToActor(db()('appointments'), actor);
  if (f.status?.length) q.whereIn('status', f.status);
  if (f.doctorId) q.where('doctorId', f.doctorId);
  if (f.patientId) q.where('patientId', f.patientId);
  if (f.from) q.where('startsAt', '>=', clinicRangeBound(f.from, 'from'));
  if (f.to) q.where('startsAt', '<', clinicRangeBound(f.to, 'to'));
  // The cursor keeps the start in whole microseconds: a JS Date would drop the sub-millisecond part
  // PostgreSQL keeps, and a page could then start with the row that ended the previous one.
  const after = decodeCursor(f.cursor, 2);
  if (after) {
    if (!Number.isSafeInteger(after[0])) decodeCursor('', 2);
    q.whereRaw(
      `(starts_at, id) > (timestamptz 'epoch' + ?::bigint * interval '1 microsecond', ?::uuid)`,
      after,
    );
  }
  const rows = (await q
    .select('*', db().raw(`(extract(epoch from starts_at) * 1000000)::bigint as starts_at_us`))
    .orderBy([{ column: 'startsAt' }, { column: 'id' }])
    .limit(f.limit + 1)) as (AppointmentRow & { startsAtUs: number })[];
  return toPage(rows, f.limit, (r) => [r.startsAtUs, r.id]);
}

/** Returns one appointment the actor may see; 404 otherwise. */
export function getAppointment(actor: Actor, id: string): Promise<AppointmentRow> {
  return loadVisibleAppointment(db(), actor, id);
}

/** One entry of an appointment's history as the API returns it. */
export interface HistoryEntry {
  id: number;
  fromStatus: AppointmentStatus | null;
  toStatus: AppointmentStatus;
  actorId: string | null;
  reason: string | null;
  fromStartsAt: Date | null;
  toStartsAt: Date | null;
  createdAt: Date;
}

/** The status history (and reschedules) of an appointment the actor may see, oldest first. */
export async function getAppointmentHistory(actor: Actor, id: string): Promise<HistoryEntry[]> {
  await loadVisibleAppointment(db(), actor, id);
  return db()('appointmentStatusHistory')
    .where({ appointmentId: id })
    .orderBy('id')
    .select('id', 'fromStatus', 'toStatus', 'actorId', 'reason', 'fromStartsAt', 'toStartsAt', 'createdAt');
}
