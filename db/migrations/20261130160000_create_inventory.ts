/**
 * Inventory (SPEC module 15): items, the lots that hold their stock, an append-only movement
 * ledger, and the ledger of expiry alerts already sent.
 *
 * Why the constraints and indexes:
 * - `inventory_items_quantity_check` and `inventory_lots_quantity_check` (quantity >= 0) are what
 *   keep stock from going negative, also under concurrency: every movement updates the item row
 *   (`quantity = quantity + delta`) and its lot rows in the transaction that inserts the movement,
 *   so a dispense that would overdraw fails on the constraint (→ 409 insufficient_stock) whatever
 *   the code above it believed. The item's quantity is the sum of its lots' quantities.
 * - Lock order (no deadlocks): a movement locks its item row first (the UPDATE above), then the
 *   item's lots. Nothing writes lot quantities without holding the item's row lock.
 * - No index mentions `quantity` (not even in a partial index's predicate) and both stock tables
 *   leave 20 % free space per page: a movement's updates of the item and lot rows stay HOT (no new
 *   index entries), which is most of what a dispense writes besides the ledger rows.
 * - `inventory_items_sku_unique` is partial: a SKU is unique among live items, so a deleted item's
 *   SKU may be reused.
 * - `inventory_items.low_stock_crossings` counts the times a movement took the item from at/above
 *   its reorder level to below it; the low-stock job key carries it, so one crossing queues one
 *   alert and the next crossing (after a refill) another.
 * - `inventory_lots_item_lot_unique`: one row per lot number of an item; receiving the same lot
 *   again adds to it.
 * - `inventory_movements` and `inventory_movement_lots` refuse UPDATE, DELETE and TRUNCATE (like
 *   audit_events): the ledger is append-only. A movement has one line per lot it touched (a FEFO
 *   dispense may span lots); `seq` orders the ledger.
 * - `inventory_expiry_alerts` (primary key lot_id) is the "once per lot" of expiry alerts: the daily
 *   job inserts with ON CONFLICT DO NOTHING, so a second run finds nothing new to announce.
 */
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create table inventory_items (
      id uuid primary key default gen_random_uuid(),
      name text not null check (length(name) between 1 and 200),
      sku text check (length(sku) between 1 and 100),
      unit text not null check (length(unit) between 1 and 50),
      reorder_level integer not null default 0 check (reorder_level >= 0),
      quantity integer not null default 0,
      low_stock_crossings integer not null default 0,
      created_by uuid references users(id),
      deleted_at timestamptz,
      deleted_by uuid references users(id),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      constraint inventory_items_quantity_check check (quantity >= 0)
    ) with (fillfactor = 80);
    create unique index inventory_items_sku_unique on inventory_items (sku) where deleted_at is null;
    create index inventory_items_name_idx on inventory_items (lower(name), id) where deleted_at is null;

    create table inventory_lots (
      id uuid primary key default gen_random_uuid(),
      item_id uuid not null references inventory_items(id),
      lot text not null check (length(lot) between 1 and 100),
      expires_on date,
      quantity integer not null default 0,
      created_at timestamptz not null default now(),
      constraint inventory_lots_quantity_check check (quantity >= 0),
      constraint inventory_lots_item_lot_unique unique (item_id, lot)
    ) with (fillfactor = 80);
    create index inventory_lots_expiry_idx on inventory_lots (expires_on) where expires_on is not null;

    create table inventory_movements (
      id uuid primary key default gen_random_uuid(),
      seq bigint generated always as identity unique,
      item_id uuid not null references inventory_items(id),
      kind text not null check (kind in ('receive','dispense','adjust','return','expire')),
      quantity integer not null check (quantity <> 0),
      reason text check (length(reason) <= 500),
      prescription_id uuid references prescriptions(id),
      quantity_after integer not null check (quantity_after >= 0),
      actor_id uuid references users(id),
      created_at timestamptz not null default now(),
      constraint inventory_movements_sign_check check (
        (kind in ('receive','return') and quantity > 0) or
        (kind in ('dispense','expire') and quantity < 0) or kind = 'adjust'),
      constraint inventory_movements_prescription_check check (prescription_id is null or kind = 'dispense')
    );
    create index inventory_movements_item_idx on inventory_movements (item_id, seq desc);
    create index inventory_movements_prescription_idx on inventory_movements (prescription_id, seq)
      where prescription_id is not null;

    create table inventory_movement_lots (
      movement_id uuid not null references inventory_movements(id),
      lot_id uuid not null references inventory_lots(id),
      quantity integer not null check (quantity <> 0),
      quantity_after integer not null check (quantity_after >= 0),
      primary key (movement_id, lot_id)
    );
    create index inventory_movement_lots_lot_idx on inventory_movement_lots (lot_id);

    create table inventory_expiry_alerts (
      lot_id uuid primary key references inventory_lots(id),
      batch_id uuid not null,
      alerted_at timestamptz not null default now()
    );
    create index inventory_expiry_alerts_batch_idx on inventory_expiry_alerts (batch_id);

    create function inventory_ledger_append_only() returns trigger language plpgsql as $$
    begin
      raise exception '% is append-only', tg_table_name using errcode = '42501';
    end $$;
    create trigger inventory_movements_append_only_trg before update or delete on inventory_movements
      for each row execute function inventory_ledger_append_only();
    create trigger inventory_movements_no_truncate_trg before truncate on inventory_movements
      for each statement execute function inventory_ledger_append_only();
    create trigger inventory_movement_lots_append_only_trg before update or delete on inventory_movement_lots
      for each row execute function inventory_ledger_append_only();
    create trigger inventory_movement_lots_no_truncate_trg before truncate on inventory_movement_lots
      for each statement execute function inventory_ledger_append_only();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`
    drop table if exists inventory_expiry_alerts, inventory_movement_lots, inventory_movements,
      inventory_lots, inventory_items cascade;
    drop function if exists inventory_ledger_append_only();
  `);
}
