import { addJobs } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import { notifyUser } from '../notifications/notify-user.js';
import { inventoryManagers } from './item.js';

/**
 * Announces one low-stock crossing of an item: an in-app notification and a `low_stock_alert` email
 * (a `send_email` job) for every active inventory manager. Safe to run twice: the notification's
 * dedupe key and the email's ledger key are `low_stock_alert:<item>:<crossing>:<user>`.
 *
 * Re-reads the item and does nothing when it is deleted, no longer below its reorder level (refilled
 * before the job ran), or has crossed again since (that crossing has its own job).
 * @returns how many managers were alerted.
 */
export async function sendLowStockAlert(itemId: string, crossing: number): Promise<number> {
  return db().transaction(async (trx) => {
    const item = (await trx('inventoryItems').where({ id: itemId }).whereNull('deletedAt').first()) as
      | {
          id: string;
          name: string;
          unit: string;
          quantity: number;
          reorderLevel: number;
          lowStockCrossings: number;
        }
      | undefined;
    if (!item || item.lowStockCrossings !== crossing || item.quantity >= item.reorderLevel) return 0;
    const managers = await inventoryManagers(trx);
    for (const m of managers) {
      await notifyUser(trx, {
        userId: m.id,
        type: 'system',
        title: `Low stock: ${item.name}`,
        body: `${item.quantity} ${item.unit} left, below the reorder level of ${item.reorderLevel}.`,
        data: { itemId: item.id },
        dedupeKey: `low_stock_alert:${item.id}:${crossing}:${m.id}`,
      });
    }
    await addJobs(
      trx,
      managers.map((m) => ({
        task: 'send_email' as const,
        payload: {
          ledgerKey: `low_stock_alert:${item.id}:${crossing}:${m.id}`,
          template: 'low_stock_alert',
          to: m.email,
          vars: {
            recipientName: m.name,
            items: [
              { name: item.name, quantity: item.quantity, unit: item.unit, reorderLevel: item.reorderLevel },
            ],
          },
        },
      })),
    );
    return managers.length;
  });
}
