import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { liveItems, type InventoryItem } from './item.js';
import type { ListItemsQuery } from './schemas.js';

/** `%`, `_` and `\` match themselves in a search. */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * Lists live items by name (keyset-paginated): `q` matches name or SKU (case-insensitive substring),
 * `lowStock=true` keeps items below their reorder level (`false` the others), `expiringBefore` items
 * with a stocked lot expiring before that date.
 */
export async function listItems(
  actor: Actor,
  query: ListItemsQuery,
): Promise<{ items: InventoryItem[]; nextCursor: string | null }> {
  assertInventory(actor, 'read');
  const knex = db();
  const limit = query.limit ?? 20;
  const after = decodeCursor(query.cursor, 2);
  const q = liveItems(knex).select(knex.raw('lower(i.name) as sort_name'));
  if (query.q) {
    const pattern = `%${likeEscape(query.q)}%`;
    q.where((w) =>
      w.whereRaw(`i.name ilike ? escape '\\'`, [pattern]).orWhereRaw(`i.sku ilike ? escape '\\'`, [pattern]),
    );
  }
  if (query.lowStock !== undefined)
    q.whereRaw(query.lowStock ? 'i.quantity < i.reorder_level' : 'i.quantity >= i.reorder_level');
  const before = query.expiringBefore;
  if (before) {
    q.whereExists((s) =>
      s
        .select(1)
        .from('inventoryLots as l')
        .whereRaw('l.item_id = i.id and l.quantity > 0 and l.expires_on < ?::date', [before]),
    );
  }
  if (after) q.whereRaw('(lower(i.name), i.id) > (?, ?::uuid)', after);
  const rows = (await q.orderByRaw('lower(i.name), i.id').limit(limit + 1)) as (InventoryItem & {
    sortName: string;
  })[];
  return toPage(rows, limit, (r) => [r.sortName, r.id]);
}
