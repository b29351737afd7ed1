import { db } from '../../db/knex.js';
import { services } from '../../lib/services.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { clinicToday, liveItems, type InventoryItem } from './item.js';
import type { AlertsQuery } from './schemas.js';

export interface InventoryAlerts {
  /** Items below their reorder level, emptiest (relative to the level) first. */
  lowStock: InventoryItem[];
  /** Items with a stocked lot expiring within `expiryWindowDays` (or already expired), soonest first. */
  expiring: InventoryItem[];
  /** INVENTORY_EXPIRY_ALERT_DAYS. */
  expiryWindowDays: number;
}

/** What needs attention now: low-stock items and items with lots expiring soon. */
export async function listAlerts(actor: Actor, query: AlertsQuery): Promise<InventoryAlerts> {
  assertInventory(actor, 'read');
  const knex = db();
  const limit = query.limit ?? 100;
  const days = services().config.inventoryExpiryAlertDays;
  const today = clinicToday();
  const [lowStock, expiring] = await Promise.all([
    liveItems(knex)
      .whereRaw('i.quantity < i.reorder_level')
      .orderByRaw('i.quantity::float8 / i.reorder_level, lower(i.name), i.id')
      .limit(limit) as Promise<InventoryItem[]>,
    liveItems(knex)
      .select(
        knex.raw(
          `(select min(l.expires_on) from inventory_lots l where l.item_id = i.id and l.quantity > 0) as soonest`,
        ),
      )
      .whereExists((s) =>
        s
          .select(1)
          .from('inventoryLots as l')
          .whereRaw('l.item_id = i.id and l.quantity > 0 and l.expires_on <= ?::date + ?::int', [
            today,
            days,
          ]),
      )
      .orderByRaw('soonest, lower(i.name), i.id')
      .limit(limit) as Promise<InventoryItem[]>,
  ]);
  return { lowStock, expiring, expiryWindowDays: days };
}
