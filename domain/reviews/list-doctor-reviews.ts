import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { NotFoundError } from '../../lib/errors.js';
import { toDoctorRating, type DoctorRating, type ReviewRow } from './review.js';
import type { ListDoctorReviewsQuery } from './schemas.js';

/** `created_at` at full (microsecond) precision: a millisecond cursor would skip rows sharing a millisecond. */
const CURSOR_AT = `to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as "cursorAt"`;

export type ListReviewsQuery = ListDoctorReviewsQuery;

/**
 * Lists a doctor's reviews, newest first, keyset-paginated, with the doctor's current rating and
 * count. Reviews carry no patient identity. 404 when there is no such doctor.
 */
export async function listDoctorReviews(
  doctorId: string,
  query: ListReviewsQuery,
): Promise<{ items: ReviewRow[]; nextCursor: string | null } & DoctorRating> {
  const doctor = (await db()('doctors').where({ id: doctorId }).first('rating', 'ratingCount')) as
    { rating: string | null; ratingCount: number } | undefined;
  if (!doctor) throw new NotFoundError('doctor');
  const after = decodeCursor(query.cursor, 2);
  const q = db()('reviews').where({ doctorId }).select('*', db().raw(CURSOR_AT));
  if (after) q.whereRaw('(created_at, id) < (?::timestamptz, ?::uuid)', after);
  const rows = (await q
    .orderBy([
      { column: 'createdAt', order: 'desc' },
      { column: 'id', order: 'desc' },
    ])
    .limit(query.limit + 1)) as ReviewRow[];
  const page = toPage(rows as (ReviewRow & { cursorAt: string })[], query.limit, (r) => [r.cursorAt, r.id]);
  return { items: page.items, nextCursor: page.nextCursor, ...toDoctorRating(doctor) };
}
