import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { loadItem, type InventoryItem } from './item.js';
import type { UpdateItemInput } from './schemas.js';

/**
 * Changes an item's name, SKU (null removes it), unit or reorder level. Quantity is not writable:
 * it changes only through movements. A new reorder level does not send a low-stock alert by itself
 * (alerts follow movements); the item shows `lowStock` and appears in GET /inventory/alerts at once.
 */
export function updateItem(actor: Actor, id: string, input: UpdateItemInput): Promise<InventoryItem> {
  assertInventory(actor, 'manage');
  return withTransaction(async (trx) => {
    const n = await trx('inventoryItems')
      .where({ id })
      .whereNull('deletedAt')
      .update({ ...input, updatedAt: trx.fn.now() });
    if (n === 0) throw new NotFoundError('inventory item');
    return loadItem(trx, id);
  });
}
