/**
 * The stock ledger: how one movement changes an item and its lots, in three statements on the
 * caller's transaction.
 *
 * 1. `update inventory_items set quantity = quantity + delta` — locks the item row (every movement
 *    of an item queues here, so lot reads below are consistent) and lets
 *    `inventory_items_quantity_check` refuse an overdraft (→ 409 insufficient_stock, mapped in
 *    lib/constraint-errors.ts).
 * 2. Reads the named lot (or upserts it, for `receive`).
 * 3. One statement allocates a dispense without a lot to the stocked, unexpired lots, earliest
 *    expiry first (FEFO, possibly spanning lots), updates the lots (`inventory_lots_quantity_check`
 *    refuses a lot overdraft), inserts the movement and one ledger line per lot. Under READ
 *    COMMITTED each statement takes a new snapshot, so this one sees the lots as the previous holder
 *    of the item lock left them.
 * When step 1 takes the item from at/above its reorder level to below it, the low-stock job is
 * queued on the same transaction, keyed by the item's crossing counter.
 */
import type { Knex } from 'knex';
import { addJob } from '../../db/jobs.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { clinicToday } from './item.js';
import type { MovementInput, MovementKind } from './schemas.js';

/** One lot's share of a movement. `quantity` is signed (negative takes from the lot). */
export interface MovementLine {
  lot: string;
  expiresOn: string | null;
  quantity: number;
  /** The lot's quantity after this movement. */
  quantityAfter: number;
}

/** A ledger entry. `quantity` is signed: negative for dispense and expire, either for adjust. */
export interface Movement {
  id: string;
  seq: number;
  itemId: string;
  kind: MovementKind;
  quantity: number;
  reason: string | null;
  prescriptionId: string | null;
  /** The item's quantity after this movement. */
  quantityAfter: number;
  /** Who booked it; null for the worker (expiry). */
  actorId: string | null;
  createdAt: Date;
  lines: MovementLine[];
}

/** SQL selecting a movement (`m`) with its lines as the {@link Movement} shape's columns. */
export const MOVEMENT_COLUMNS = `m.id, m.seq, m.item_id as "itemId", m.kind, m.quantity, m.reason,
  m.prescription_id as "prescriptionId", m.quantity_after as "quantityAfter", m.actor_id as "actorId",
  m.created_at as "createdAt",
  coalesce((select json_agg(json_build_object('lot', l.lot, 'expiresOn', l.expires_on,
                 'quantity', ml.quantity, 'quantityAfter', ml.quantity_after)
               order by l.expires_on asc nulls last, l.lot)
      from inventory_movement_lots ml join inventory_lots l on l.id = ml.lot_id
     where ml.movement_id = m.id), '[]'::json) as lines`;

export const insufficientStock = () =>
  new ConflictError('insufficient_stock', 'There is not enough stock for this movement.');

/** The signed change of the item's quantity. */
export function deltaOf(input: MovementInput): number {
  return input.kind === 'dispense' || input.kind === 'expire' ? -input.quantity : input.quantity;
}

interface ItemAfter {
  id: string;
  quantity: number;
  lowStockCrossings: number;
  crossed: boolean;
}

interface LotRow {
  id: string;
  lot: string;
  expiresOn: string | null;
  quantity: number;
}

/** Step 1: changes the item's quantity (locking its row) and counts a downward reorder-level crossing. */
async function applyToItem(trx: Knex.Transaction, itemId: string, delta: number): Promise<ItemAfter> {
  const { rows } = (await trx.raw(
    `update inventory_items
          set quantity = quantity + :delta,
              low_stock_crossings = low_stock_crossings
                + (quantity >= reorder_level and quantity + :delta < reorder_level)::int,
              updated_at = now()
        where id = :itemId and deleted_at is null
        returning id, quantity, low_stock_crossings as "lowStockCrossings",
                  (quantity - :delta >= reorder_level and quantity < reorder_level) as crossed`,
    { delta, itemId },
  )) as { rows: ItemAfter[] };
  if (!rows[0]) throw new NotFoundError('inventory item');
  return rows[0];
}

/** The lots a movement changes: named lots with signed deltas, or "take this many FEFO". */
type LotPlan = { lots: { lotId: string; delta: number }[] } | { fefo: number };

/** Step 2: which lots the movement changes, by how much (signed), or that FEFO decides. */
async function planLots(
  trx: Knex.Transaction,
  itemId: string,
  input: MovementInput,
  delta: number,
  today: string,
): Promise<LotPlan> {
  if (input.kind === 'receive') {
    const { rows } = (await trx.raw(
      `insert into inventory_lots (item_id, lot, expires_on) values (?, ?, ?)
       on conflict (item_id, lot) do update set lot = excluded.lot
       returning id, expires_on::text as "expiresOn", (xmax = 0) as inserted`,
      [itemId, input.lot, input.expiresOn ?? null],
    )) as { rows: { id: string; expiresOn: string | null; inserted: boolean }[] };
    const lot = rows[0];
    if (!lot.inserted && input.expiresOn !== undefined && lot.expiresOn !== input.expiresOn) {
      throw new ConflictError(
        'lot_expiry_mismatch',
        `Lot ${input.lot} is recorded with expiry ${lot.expiresOn ?? 'none'}, not ${input.expiresOn}.`,
      );
    }
    return { lots: [{ lotId: lot.id, delta }] };
  }
  const lotName = input.lot;
  // FEFO is allocated inside the write statement (step 3), which reads the lots under the item lock.
  if (lotName === undefined) return { fefo: -delta };
  const { rows } = (await trx.raw(
    `select id, lot, expires_on::text as "expiresOn", quantity from inventory_lots where item_id = ? and lot = ?`,
    [itemId, lotName],
  )) as { rows: LotRow[] };
  const lot = rows[0];
  if (!lot) throw new NotFoundError('lot');
  if (input.kind === 'dispense' && lot.expiresOn !== null && lot.expiresOn < today) {
    throw new ConflictError('lot_expired', `Lot ${lot.lot} expired on ${lot.expiresOn}.`);
  }
  return { lots: [{ lotId: lot.id, delta }] };
}

/**
 * Books one movement on the caller's transaction (which must not have written audit rows after
 * locking any item: audit first, then the item). The caller has checked who may do it.
 */
export async function applyMovement(
  trx: Knex.Transaction,
  actorId: string | null,
  itemId: string,
  input: MovementInput,
): Promise<Movement> {
  const delta = deltaOf(input);
  const item = await applyToItem(trx, itemId, delta);
  const today = clinicToday();
  const plan = await planLots(trx, itemId, input, delta, today);
  const named = 'lots' in plan ? plan.lots : [];
  const fefo = 'fefo' in plan ? plan.fefo : 0;
  const { rows } = (await trx.raw(
    `with fefo as (
         -- First expiry, first out: stocked, unexpired lots; each takes what the earlier ones left.
         select id, least(quantity, ?::int - coalesce(sum(quantity) over (
                  order by expires_on asc nulls last, created_at, id
                  rows between unbounded preceding and 1 preceding), 0)) as take
           from inventory_lots
          where ?::int > 0 and item_id = ? and quantity > 0 and (expires_on is null or expires_on >= ?::date)),
       plan as (
         select id as lot_id, -take as delta from fefo where take > 0
         union all
         select * from unnest(?::uuid[], ?::int[]) as p(lot_id, delta)),
       l as (
         update inventory_lots t set quantity = t.quantity + p.delta
           from plan p where t.id = p.lot_id and t.item_id = ?
         returning t.id, t.lot, t.expires_on, t.quantity, p.delta),
       m as (
         insert into inventory_movements (item_id, kind, quantity, reason, prescription_id, quantity_after, actor_id)
         values (?, ?, ?, ?, ?, ?, ?)
         returning *),
       ml as (
         insert into inventory_movement_lots (movement_id, lot_id, quantity, quantity_after)
         select m.id, l.id, l.delta, l.quantity from m, l)
       select m.id, m.seq, m.item_id as "itemId", m.kind, m.quantity, m.reason,
              m.prescription_id as "prescriptionId", m.quantity_after as "quantityAfter",
              m.actor_id as "actorId", m.created_at as "createdAt",
              coalesce((select json_agg(json_build_object('lot', l.lot, 'expiresOn', l.expires_on,
                          'quantity', l.delta, 'quantityAfter', l.quantity)
                        order by l.expires_on asc nulls last, l.lot) from l), '[]'::json) as lines
         from m`,
    [
      fefo,
      fefo,
      itemId,
      today,
      named.map((p) => p.lotId),
      named.map((p) => p.delta),
      itemId,
      itemId,
      input.kind,
      delta,
      input.reason ?? null,
      input.kind === 'dispense' ? (input.prescriptionId ?? null) : null,
      item.quantity,
      actorId,
    ],
  )) as { rows: Movement[] };
  const movement = rows[0];
  const moved = movement.lines.reduce((sum, l) => sum + l.quantity, 0);
  // The item had enough (step 1) but its unexpired lots did not: refused, the transaction rolls back.
  if (fefo > 0 && moved !== -fefo) throw insufficientStock();
  // Named lots belong to this item and were read under its lock; anything else is a bug.
  if (fefo === 0 && movement.lines.length !== named.length) {
    throw new Error(`movement touched ${movement.lines.length} of ${named.length} lots`);
  }
  if (item.crossed) {
    await addJob(
      trx,
      'send_low_stock_alert',
      { itemId, crossing: item.lowStockCrossings },
      { jobKey: `send_low_stock_alert:${itemId}:${item.lowStockCrossings}` },
    );
  }
  return movement;
}
