import { withTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';

/**
 * Soft-deletes an item: it disappears from lists and refuses movements, while its lots and ledger
 * stay. Refused with 409 `stock_remaining` while it holds stock, unless `force` (the stock is then
 * left as recorded, not written off). The item row is locked first, so no movement slips in between.
 */
export function deleteItem(actor: Actor, id: string, opts: { force?: boolean } = {}): Promise<void> {
  assertInventory(actor, 'manage');
  return withTransaction(async (trx) => {
    const row = (await trx('inventoryItems')
      .select('quantity')
      .where({ id })
      .whereNull('deletedAt')
      .forUpdate()
      .first()) as { quantity: number } | undefined;
    if (!row) throw new NotFoundError('inventory item');
    if (row.quantity > 0 && !opts.force) {
      throw new ConflictError(
        'stock_remaining',
        `The item still holds ${row.quantity} in stock; book it out first or delete with force=true.`,
      );
    }
    await trx('inventoryItems')
      .where({ id })
      .update({ deletedAt: trx.fn.now(), deletedBy: actor.userId, updatedAt: trx.fn.now() });
  });
}
