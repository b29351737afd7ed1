import { ValidationError } from '../lib/errors.js';

/** Encodes the sort key of the last row of a page into an opaque cursor. */
export function encodeCursor(values: (string | number)[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor}; a tampered one is a 400, never a 500. */
export function decodeCursor(cursor: string | undefined, arity: number): (string | number)[] | undefined {
  if (cursor === undefined) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === arity &&
      v.every((x) => typeof x === 'string' || typeof x === 'number')
    ) {
      return v as (string | number)[];
    }
  } catch {
    // fall through
  }
  throw new ValidationError('The cursor is invalid.', [
    { path: '/cursor', message: 'is not a cursor from this API' },
  ]);
}

/**
 * Turns `limit + 1` fetched rows into a page: the extra row only says that there is a next page.
 * `key` gives the sort key of a row, which becomes the next cursor.
 */
export function toPage<T>(rows: T[], limit: number, key: (row: T) => (string | number)[]) {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(key(last)) : null };
}
