import { randomUUID } from 'node:crypto';
import { addJob, addJobs } from '../../db/jobs.js';
import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { notifyUser } from '../notifications/notify-user.js';
import { clinicToday, inventoryManagers } from './item.js';
import { applyMovement } from './movement.js';

/**
 * The daily expiry check, safe to run twice or concurrently:
 * 1. Every stocked lot of a live item expiring within INVENTORY_EXPIRY_ALERT_DAYS (or already
 *    expired) that was never announced is written to `inventory_expiry_alerts` (primary key: the
 *    lot, ON CONFLICT DO NOTHING) under one batch id, and one `send_expiry_alert` job for the batch
 *    is queued in that transaction. A second run finds every lot already announced.
 * 2. Every lot past its date that still holds stock gets an `expire` movement for what it holds,
 *    booked under the item's lock after re-reading the lot (a second run finds it empty).
 * @returns the lots announced and the lots expired.
 */
export async function checkInventoryExpiry(
  now = new Date(),
): Promise<{ announced: number; expired: number }> {
  const today = clinicToday(now);
  const days = services().config.inventoryExpiryAlertDays;
  const announced = await db().transaction(async (trx) => {
    const batchId = randomUUID();
    const { rows } = (await trx.raw(
      `insert into inventory_expiry_alerts (lot_id, batch_id)
       select l.id, ? from inventory_lots l join inventory_items i on i.id = l.item_id
        where i.deleted_at is null and l.quantity > 0 and l.expires_on <= ?::date + ?::int
        order by l.id
       on conflict (lot_id) do nothing
       returning lot_id`,
      [batchId, today, days],
    )) as { rows: unknown[] };
    if (rows.length)
      await addJob(trx, 'send_expiry_alert', { batchId }, { jobKey: `send_expiry_alert:${batchId}` });
    return rows.length;
  });

  const { rows: due } = (await db().raw(
    `select l.id, l.item_id as "itemId" from inventory_lots l join inventory_items i on i.id = l.item_id
      where i.deleted_at is null and l.quantity > 0 and l.expires_on < ?::date order by l.item_id, l.id`,
    [today],
  )) as { rows: { id: string; itemId: string }[] };
  let expired = 0;
  for (const lot of due) if (await expireLot(lot.itemId, lot.id)) expired += 1;
  return { announced, expired };
}

/** Books an `expire` movement for everything a lot still holds; false when it is already empty. */
async function expireLot(itemId: string, lotId: string): Promise<boolean> {
  return db().transaction(async (trx) => {
    const item = await trx('inventoryItems')
      .where({ id: itemId })
      .whereNull('deletedAt')
      .forUpdate()
      .first('id');
    if (!item) return false;
    const lot = (await trx('inventoryLots').where({ id: lotId }).first('lot', 'quantity', 'expiresOn')) as
      { lot: string; quantity: number; expiresOn: string } | undefined;
    if (!lot || lot.quantity === 0) return false;
    await applyMovement(trx, null, itemId, {
      kind: 'expire',
      lot: lot.lot,
      quantity: lot.quantity,
      reason: `Expired on ${lot.expiresOn}`,
    });
    return true;
  });
}

/**
 * Announces one batch of expiring lots to every active inventory manager: an in-app notification
 * and an `expiry_alert` email (a `send_email` job) each. Safe to run twice (dedupe and ledger keys
 * `expiry_alert:<batch>:<user>`). @returns how many managers were alerted.
 */
export async function sendExpiryAlert(batchId: string): Promise<number> {
  return db().transaction(async (trx) => {
    const { rows: lots } = (await trx.raw(
      `select i.id as "itemId", i.name, l.lot, l.expires_on::text as "expiresOn"
         from inventory_expiry_alerts a join inventory_lots l on l.id = a.lot_id
         join inventory_items i on i.id = l.item_id
        where a.batch_id = ? order by l.expires_on, i.name, l.lot`,
      [batchId],
    )) as { rows: { itemId: string; name: string; lot: string; expiresOn: string }[] };
    if (!lots.length) return 0;
    const items = lots.map((l) => ({ name: `${l.name} (lot ${l.lot})`, expiresOn: l.expiresOn }));
    const managers = await inventoryManagers(trx);
    for (const m of managers) {
      await notifyUser(trx, {
        userId: m.id,
        type: 'system',
        title: `Expiring soon: ${lots.length} lot(s)`,
        body: items.map((i) => `${i.name}: ${i.expiresOn}`).join('\n'),
        data: { itemIds: [...new Set(lots.map((l) => l.itemId))] },
        dedupeKey: `expiry_alert:${batchId}:${m.id}`,
      });
    }
    await addJobs(
      trx,
      managers.map((m) => ({
        task: 'send_email' as const,
        payload: {
          ledgerKey: `expiry_alert:${batchId}:${m.id}`,
          template: 'expiry_alert',
          to: m.email,
          vars: { recipientName: m.name, items },
        },
      })),
    );
    return managers.length;
  });
}
