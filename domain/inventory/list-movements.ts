import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { NotFoundError } from '../../lib/errors.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { MOVEMENT_COLUMNS, type Movement } from './movement.js';
import type { ListMovementsQuery } from './schemas.js';

/** An item's ledger, newest first (keyset-paginated on the ledger sequence), optionally one kind. */
export async function listMovements(
  actor: Actor,
  itemId: string,
  query: ListMovementsQuery,
): Promise<{ items: Movement[]; nextCursor: string | null }> {
  assertInventory(actor, 'read');
  const knex = db();
  const limit = query.limit ?? 20;
  const item = await knex('inventoryItems').where({ id: itemId }).whereNull('deletedAt').first('id');
  if (!item) throw new NotFoundError('inventory item');
  const after = decodeCursor(query.cursor, 1);
  const { rows } = (await knex.raw(
    `select ${MOVEMENT_COLUMNS} from inventory_movements m
      where m.item_id = ? and (?::text is null or m.kind = ?) and (?::bigint is null or m.seq < ?::bigint)
      order by m.seq desc limit ?`,
    [itemId, query.kind ?? null, query.kind ?? null, after?.[0] ?? null, after?.[0] ?? null, limit + 1],
  )) as { rows: Movement[] };
  return toPage(rows, limit, (r) => [r.seq]);
}
