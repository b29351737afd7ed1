/** Input shapes of the inventory operations (items, movements, lists). */
import {
  DateOnly,
  PageQueryProps,
  SingleLine,
  StrictObject,
  StringEnum,
  Type,
  Uuid,
  type Static,
} from '../../lib/schema.js';

/** The kinds of movement; the kind says the direction (`adjust` is signed). */
export const MOVEMENT_KINDS = ['receive', 'dispense', 'adjust', 'return', 'expire'] as const;
export type MovementKind = (typeof MOVEMENT_KINDS)[number];

/** Largest quantity one movement may move (keeps sums far from int4's limit). */
export const MAX_MOVEMENT_QUANTITY = 1_000_000;

const ItemName = SingleLine(200);
const Sku = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._/-]*$',
  'x-message': 'must be letters, digits and . _ / - (starting with a letter or digit), like IBU-400',
});
const Unit = SingleLine(50);
const ReorderLevel = Type.Integer({ minimum: 0, maximum: MAX_MOVEMENT_QUANTITY });
const Lot = Type.String({
  minLength: 1,
  maxLength: 100,
  pattern: '^[^\\u0000-\\u0020\\u007F][^\\u0000-\\u001F\\u007F]*$',
  'x-message': 'must be a lot number on one line, not starting with a space, like B2026-114',
});
const Reason = SingleLine(500);
const Quantity = Type.Integer({ minimum: 1, maximum: MAX_MOVEMENT_QUANTITY });

export const CreateItemInput = StrictObject({
  name: ItemName,
  sku: Type.Optional(Sku),
  unit: Unit,
  reorderLevel: Type.Optional(ReorderLevel),
});
export type CreateItemInput = Static<typeof CreateItemInput>;

/** Quantity is not here: it changes only through movements (additionalProperties:false makes it a 400). */
export const UpdateItemInput = StrictObject(
  {
    name: Type.Optional(ItemName),
    sku: Type.Optional(Type.Union([Sku, Type.Null()])),
    unit: Type.Optional(Unit),
    reorderLevel: Type.Optional(ReorderLevel),
  },
  { minProperties: 1 },
);
export type UpdateItemInput = Static<typeof UpdateItemInput>;

export const ListItemsQuery = StrictObject({
  ...PageQueryProps,
  q: Type.Optional(SingleLine(100)),
  lowStock: Type.Optional(Type.Boolean()),
  expiringBefore: Type.Optional(DateOnly),
});
export type ListItemsQuery = Static<typeof ListItemsQuery>;

export const DeleteItemQuery = StrictObject({ force: Type.Optional(Type.Boolean({ default: false })) });
export type DeleteItemQuery = Static<typeof DeleteItemQuery>;

export const ReceiveInput = StrictObject({
  kind: Type.Literal('receive'),
  quantity: Quantity,
  lot: Lot,
  expiresOn: Type.Optional(DateOnly),
  reason: Type.Optional(Reason),
});
export const DispenseInput = StrictObject({
  kind: Type.Literal('dispense'),
  quantity: Quantity,
  lot: Type.Optional(Lot),
  prescriptionId: Type.Optional(Uuid),
  reason: Type.Optional(Reason),
});
export const AdjustInput = StrictObject({
  kind: Type.Literal('adjust'),
  quantity: Type.Integer({
    minimum: -MAX_MOVEMENT_QUANTITY,
    maximum: MAX_MOVEMENT_QUANTITY,
    not: { const: 0 },
    description: 'Signed: positive adds to the lot, negative takes from it.',
  }),
  lot: Lot,
  reason: Reason,
});
export const ReturnInput = StrictObject({
  kind: Type.Literal('return'),
  quantity: Quantity,
  lot: Lot,
  reason: Type.Optional(Reason),
});
export const ExpireInput = StrictObject({
  kind: Type.Literal('expire'),
  quantity: Quantity,
  lot: Lot,
  reason: Type.Optional(Reason),
});

/** One movement: receive into a lot, dispense (FEFO without a lot), adjust ±, return, expire. */
export const MovementInput = Type.Union([ReceiveInput, DispenseInput, AdjustInput, ReturnInput, ExpireInput]);
export type MovementInput = Static<typeof MovementInput>;

export const ListMovementsQuery = StrictObject({
  ...PageQueryProps,
  kind: Type.Optional(StringEnum(MOVEMENT_KINDS)),
});
export type ListMovementsQuery = Static<typeof ListMovementsQuery>;

export const AlertsQuery = StrictObject({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 100 })),
});
export type AlertsQuery = Static<typeof AlertsQuery>;
