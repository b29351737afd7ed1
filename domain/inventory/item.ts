/**
 * The inventory item read model: the item row with its stocked lots, low-stock flag and next expiry.
 */
import type { Knex } from 'knex';
import { DateTime } from 'luxon';
import { NotFoundError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';

/** A lot that holds stock of an item. */
export interface LotView {
  lot: string;
  expiresOn: string | null;
  quantity: number;
}

/** An item with its stock, as every inventory read returns it. */
export interface InventoryItem {
  id: string;
  name: string;
  sku: string | null;
  unit: string;
  quantity: number;
  reorderLevel: number;
  /** Below the reorder level. */
  lowStock: boolean;
  /** Earliest expiry among the lots that hold stock. */
  nextExpiry: string | null;
  /** Lots holding stock, earliest expiry first (lots without expiry last). */
  lots: LotView[];
  createdAt: Date;
  updatedAt: Date;
}

/** Columns of {@link InventoryItem}, selected from `inventory_items as i`. */
export function itemColumns(trx: Knex | Knex.Transaction): (string | Knex.Raw)[] {
  return [
    'i.id',
    'i.name',
    'i.sku',
    'i.unit',
    'i.quantity',
    'i.reorderLevel',
    'i.createdAt',
    'i.updatedAt',
    trx.raw('(i.quantity < i.reorder_level) as low_stock'),
    trx.raw(
      `(select min(l.expires_on)::text from inventory_lots l
         where l.item_id = i.id and l.quantity > 0) as next_expiry`,
    ),
    trx.raw(
      `coalesce((select json_agg(json_build_object('lot', l.lot, 'expiresOn', l.expires_on, 'quantity', l.quantity)
                  order by l.expires_on asc nulls last, l.lot)
           from inventory_lots l where l.item_id = i.id and l.quantity > 0), '[]'::json) as lots`,
    ),
  ];
}

/** Live (not deleted) items with the read model's columns. */
export function liveItems(trx: Knex | Knex.Transaction): Knex.QueryBuilder {
  return trx('inventoryItems as i').select(itemColumns(trx)).whereNull('i.deletedAt');
}

/** Loads one live item, or 404. */
export async function loadItem(trx: Knex | Knex.Transaction, id: string): Promise<InventoryItem> {
  const row = (await liveItems(trx).where('i.id', id).first()) as InventoryItem | undefined;
  if (!row) throw new NotFoundError('inventory item');
  return row;
}

/** Today's date (YYYY-MM-DD) in the clinic's time zone: lots expire at the end of their date there. */
export function clinicToday(now: Date = new Date()): string {
  return DateTime.fromJSDate(now).setZone(services().config.clinicTimeZone).toISODate()!;
}

/** Active admins who hold the `inventory-manager` sub-role: the recipients of inventory alerts. */
export async function inventoryManagers(
  trx: Knex | Knex.Transaction,
): Promise<{ id: string; name: string; email: string }[]> {
  return (await trx('users')
    .select('id', 'name', 'email')
    .where('status', 'active')
    .whereIn('role', ['admin', 'super-admin'])
    .whereRaw(`'inventory-manager' = any(admin_roles)`)
    .orderBy('id')) as { id: string; name: string; email: string }[];
}
