import { withTransaction } from '../../db/transaction.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { loadItem, type InventoryItem } from './item.js';
import type { CreateItemInput } from './schemas.js';

/** Creates an item with no stock (stock arrives by `receive` movements). A live item's SKU is unique (409). */
export function createItem(actor: Actor, input: CreateItemInput): Promise<InventoryItem> {
  assertInventory(actor, 'manage');
  return withTransaction(async (trx) => {
    const [row] = (await trx('inventoryItems')
      .insert({
        name: input.name,
        sku: input.sku ?? null,
        unit: input.unit,
        reorderLevel: input.reorderLevel ?? 0,
        createdBy: actor.userId,
      })
      .returning('id')) as { id: string }[];
    return loadItem(trx, row.id);
  });
}
