import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { ValidationError } from '../../lib/errors.js';
import { userViewQuery, type UserView } from './user-view.js';
import type { ListUsersQuery } from './schemas.js';

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Lists accounts for admins, newest first, with keyset pagination (stable under inserts). */
export async function listUsers(
  query: ListUsersQuery,
): Promise<{ items: UserView[]; nextCursor: string | null }> {
  const after = decodeCursor(query.cursor, 2);
  // The cursor keeps created_at as PostgreSQL text: a JS Date would drop the microseconds and skip rows.
  const q = userViewQuery(db())
    .select(db().raw('u.created_at::text as cursor_created_at'))
    .orderBy([
      { column: 'u.createdAt', order: 'desc' },
      { column: 'u.id', order: 'desc' },
    ])
    .limit(query.limit + 1);
  if (query.role) q.where('u.role', query.role);
  if (query.status) q.where('u.status', query.status);
  if (query.q) {
    const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
    q.where((w) =>
      w
        .whereRaw(`lower(u.name) like ? escape '\\'`, [pattern])
        .orWhereRaw(`lower(u.email) like ? escape '\\'`, [pattern]),
    );
  }
  if (after) {
    const [createdAt, id] = after;
    // A malformed timestamp fails the ::timestamptz cast, which answers 400 as well.
    if (typeof createdAt !== 'string' || typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id)) {
      throw new ValidationError('The cursor is invalid.', [
        { path: '/cursor', message: 'is not a cursor from this API' },
      ]);
    }
    q.whereRaw('(u.created_at, u.id) < (?::timestamptz, ?::uuid)', [createdAt, id]);
  }
  const rows = (await q) as (UserView & { cursorCreatedAt: string })[];
  const page = toPage(rows, query.limit, (r) => [r.cursorCreatedAt, r.id]);
  return { items: page.items.map(({ cursorCreatedAt: _, ...user }) => user), nextCursor: page.nextCursor };
}
