/** Response shapes of the inventory routes (SPEC "Shapes of the back office …": item and movement). */
import { MOVEMENT_KINDS } from '../../../domain/inventory/schemas.js';
import { DateOnly, DateTime, Nullable, StringEnum, Type, Uuid } from '../../../lib/schema.js';

export const InventoryLot = Type.Object({
  lot: Type.String(),
  expiresOn: Type.Optional(DateOnly),
  quantity: Type.Integer({ minimum: 0 }),
});

export const InventoryItem = Type.Object({
  id: Uuid,
  name: Type.String(),
  sku: Type.Optional(Type.String()),
  unit: Type.String(),
  quantity: Type.Integer({ minimum: 0, description: 'Changes only through movements.' }),
  reorderLevel: Type.Integer({ minimum: 0 }),
  lowStock: Type.Boolean({ description: 'quantity < reorderLevel' }),
  nextExpiry: Type.Optional(DateOnly),
  lots: Type.Array(InventoryLot, { description: 'Lots holding stock, earliest expiry first.' }),
  createdAt: DateTime,
});

export const InventoryMovementLine = Type.Object({
  lot: Type.String(),
  expiresOn: Type.Optional(DateOnly),
  quantity: Type.Integer({ description: 'Positive; signed for adjust, like the movement.' }),
  quantityAfter: Type.Integer({ minimum: 0, description: "The lot's quantity after the movement." }),
});

export const InventoryMovement = Type.Object({
  id: Uuid,
  itemId: Uuid,
  kind: StringEnum(MOVEMENT_KINDS),
  quantity: Type.Integer({ description: 'Positive (the kind says the direction); adjust is signed.' }),
  lot: Type.Optional(Type.String({ description: 'Set when the movement touched exactly one lot.' })),
  expiresOn: Type.Optional(DateOnly),
  reason: Type.Optional(Type.String()),
  prescriptionId: Type.Optional(Uuid),
  quantityAfter: Type.Integer({ minimum: 0, description: "The item's quantity after the movement." }),
  actorId: Nullable(Uuid),
  createdAt: DateTime,
  lots: Type.Array(InventoryMovementLine, { description: 'One line per lot the movement touched.' }),
});

export const InventoryAlerts = Type.Object({
  lowStock: Type.Array(InventoryItem),
  expiring: Type.Array(InventoryItem),
  expiryWindowDays: Type.Integer({ description: 'INVENTORY_EXPIRY_ALERT_DAYS' }),
});
