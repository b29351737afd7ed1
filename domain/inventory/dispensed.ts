import type { Knex } from 'knex';

/** What was dispensed against a prescription (one entry per dispense movement, oldest first). */
export interface DispensedEntry {
  movementId: string;
  itemId: string;
  itemName: string;
  unit: string;
  quantity: number;
  /** The lots it came from. */
  lots: { lot: string; quantity: number }[];
  dispensedAt: Date;
  dispensedBy: string | null;
}

/** The dispense movements booked against the given prescriptions, grouped by prescription id. */
export async function dispensedFor(
  trx: Knex | Knex.Transaction,
  prescriptionIds: string[],
): Promise<Map<string, DispensedEntry[]>> {
  const byId = new Map<string, DispensedEntry[]>(prescriptionIds.map((id) => [id, []]));
  if (!prescriptionIds.length) return byId;
  const { rows } = (await trx.raw(
    `select m.prescription_id as "prescriptionId", m.id as "movementId", m.item_id as "itemId",
            i.name as "itemName", i.unit, -m.quantity as quantity, m.created_at as "dispensedAt",
            m.actor_id as "dispensedBy",
            (select json_agg(json_build_object('lot', l.lot, 'quantity', -ml.quantity)
                       order by l.expires_on asc nulls last, l.lot)
               from inventory_movement_lots ml join inventory_lots l on l.id = ml.lot_id
              where ml.movement_id = m.id) as lots
       from inventory_movements m join inventory_items i on i.id = m.item_id
      where m.prescription_id = any(?::uuid[]) and m.kind = 'dispense'
      order by m.seq`,
    [prescriptionIds],
  )) as { rows: (DispensedEntry & { prescriptionId: string })[] };
  for (const { prescriptionId, ...entry } of rows) byId.get(prescriptionId)?.push(entry);
  return byId;
}
