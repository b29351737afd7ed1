import type { Static } from '../../../lib/schema.js';
import type { InventoryItem as Item } from '../../../domain/inventory/item.js';
import type { InventoryAlerts as Alerts } from '../../../domain/inventory/list-alerts.js';
import type { Movement } from '../../../domain/inventory/movement.js';
import type { InventoryAlerts, InventoryItem, InventoryMovement } from './schemas.js';

/** An item as the API returns it; optional fields are left out when empty. */
export function presentItem(i: Item): Static<typeof InventoryItem> {
  return {
    id: i.id,
    name: i.name,
    ...(i.sku !== null ? { sku: i.sku } : {}),
    unit: i.unit,
    quantity: i.quantity,
    reorderLevel: i.reorderLevel,
    lowStock: i.lowStock,
    ...(i.nextExpiry ? { nextExpiry: i.nextExpiry } : {}),
    lots: i.lots.map((l) => ({
      lot: l.lot,
      ...(l.expiresOn ? { expiresOn: l.expiresOn } : {}),
      quantity: l.quantity,
    })),
    createdAt: new Date(i.createdAt).toISOString(),
  };
}

/** A movement: positive quantities (the kind says the direction) except adjust, which keeps its sign. */
export function presentMovement(m: Movement): Static<typeof InventoryMovement> {
  const shown = (q: number) => (m.kind === 'adjust' ? q : Math.abs(q));
  const only = m.lines.length === 1 ? m.lines[0] : undefined;
  return {
    id: m.id,
    itemId: m.itemId,
    kind: m.kind,
    quantity: shown(m.quantity),
    ...(only ? { lot: only.lot } : {}),
    ...(only?.expiresOn ? { expiresOn: only.expiresOn } : {}),
    ...(m.reason ? { reason: m.reason } : {}),
    ...(m.prescriptionId ? { prescriptionId: m.prescriptionId } : {}),
    quantityAfter: m.quantityAfter,
    actorId: m.actorId,
    createdAt: new Date(m.createdAt).toISOString(),
    lots: m.lines.map((l) => ({
      lot: l.lot,
      ...(l.expiresOn ? { expiresOn: l.expiresOn } : {}),
      quantity: shown(l.quantity),
      quantityAfter: l.quantityAfter,
    })),
  };
}

export function presentAlerts(a: Alerts): Static<typeof InventoryAlerts> {
  return {
    lowStock: a.lowStock.map(presentItem),
    expiring: a.expiring.map(presentItem),
    expiryWindowDays: a.expiryWindowDays,
  };
}
