import { INVENTORY_POLICY } from '../../../domain/access/policy.js';
import { bookMovement } from '../../../domain/inventory/book-movement.js';
import { createItem } from '../../../domain/inventory/create-item.js';
import { deleteItem } from '../../../domain/inventory/delete-item.js';
import { getItem } from '../../../domain/inventory/get-item.js';
import { listAlerts } from '../../../domain/inventory/list-alerts.js';
import { listItems } from '../../../domain/inventory/list-items.js';
import { listMovements } from '../../../domain/inventory/list-movements.js';
import {
  AlertsQuery,
  CreateItemInput,
  DeleteItemQuery,
  ListItemsQuery,
  ListMovementsQuery,
  MOVEMENT_KINDS,
  MovementInput,
  UpdateItemInput,
} from '../../../domain/inventory/schemas.js';
import { updateItem } from '../../../domain/inventory/update-item.js';
import { errorSpec, notFound } from '../../../lib/errors.js';
import { IdParams, ListOf } from '../../../lib/schema.js';
import { defineRoutes, route } from '../../route.js';
import { presentAlerts, presentItem, presentMovement } from './present.js';
import { InventoryAlerts, InventoryItem, InventoryMovement } from './schemas.js';

const duplicateSku = errorSpec(409, 'duplicate', 'A live item already has this SKU');
/** Whoever may book at least one kind of movement; the kind itself is checked in the domain. */
const MOVERS = [...new Set(MOVEMENT_KINDS.flatMap((k) => INVENTORY_POLICY[k]))];

/** Inventory (SPEC module 15): items in lots, the append-only movement ledger, alerts. */
export const inventoryRoutes = defineRoutes([
  // Before /inventory/:id, which would otherwise take "alerts" for an id.
  route({
    method: 'GET',
    path: '/inventory/alerts',
    operationId: 'listInventoryAlerts',
    summary: 'Items below their reorder level and items with lots expiring soon',
    description: 'Expiring: a stocked lot expires within INVENTORY_EXPIRY_ALERT_DAYS (or already has).',
    tags: ['inventory'],
    access: INVENTORY_POLICY.read,
    query: AlertsQuery,
    response: InventoryAlerts,
    handler: async ({ state }) => presentAlerts(await listAlerts(state.actor, state.query)),
  }),
  route({
    method: 'POST',
    path: '/inventory',
    operationId: 'createInventoryItem',
    summary: 'Create an item (stock arrives with receive movements; quantity is not writable)',
    tags: ['inventory'],
    access: INVENTORY_POLICY.manage,
    status: 201,
    body: CreateItemInput,
    response: InventoryItem,
    errors: [duplicateSku],
    handler: async ({ state }) => presentItem(await createItem(state.actor, state.body)),
  }),
  route({
    method: 'GET',
    path: '/inventory',
    operationId: 'listInventoryItems',
    summary: 'List items by name; search name/SKU with q, filter lowStock and expiringBefore',
    tags: ['inventory'],
    access: INVENTORY_POLICY.read,
    query: ListItemsQuery,
    response: ListOf(InventoryItem),
    handler: async ({ state }) => {
      const page = await listItems(state.actor, state.query);
      return { items: page.items.map(presentItem), nextCursor: page.nextCursor };
    },
  }),
  route({
    method: 'GET',
    path: '/inventory/:id',
    operationId: 'getInventoryItem',
    summary: 'Get an item with its stocked lots',
    tags: ['inventory'],
    access: INVENTORY_POLICY.read,
    params: IdParams,
    response: InventoryItem,
    handler: async ({ state }) => presentItem(await getItem(state.actor, state.params.id)),
  }),
  route({
    method: 'PATCH',
    path: '/inventory/:id',
    operationId: 'updateInventoryItem',
    summary: 'Change name, SKU, unit or reorder level (never quantity)',
    tags: ['inventory'],
    access: INVENTORY_POLICY.manage,
    params: IdParams,
    body: UpdateItemInput,
    response: InventoryItem,
    errors: [duplicateSku],
    handler: async ({ state }) => presentItem(await updateItem(state.actor, state.params.id, state.body)),
  }),
  route({
    method: 'DELETE',
    path: '/inventory/:id',
    operationId: 'deleteInventoryItem',
    summary: 'Soft-delete an item (its ledger stays); refused while it holds stock unless force=true',
    tags: ['inventory'],
    access: INVENTORY_POLICY.manage,
    status: 204,
    params: IdParams,
    query: DeleteItemQuery,
    errors: [errorSpec(409, 'stock_remaining', 'The item still holds stock (use force=true)')],
    handler: async ({ state }) => {
      await deleteItem(state.actor, state.params.id, { force: state.query.force });
    },
  }),
  route({
    method: 'POST',
    path: '/inventory/:id/movements',
    operationId: 'bookInventoryMovement',
    summary: 'Book a movement: receive, dispense (FEFO without lot), adjust ±, return, expire',
    description:
      'Nurses may only dispense. A dispense may name an active prescription it fills. Stock never goes below zero, per item and per lot.',
    tags: ['inventory'],
    access: MOVERS,
    status: 201,
    params: IdParams,
    body: MovementInput,
    response: InventoryMovement,
    errors: [
      errorSpec(409, 'insufficient_stock', 'Not enough stock in the item or the lot'),
      errorSpec(409, 'lot_expired', 'The named lot is past its expiry date (dispense)'),
      errorSpec(409, 'lot_expiry_mismatch', 'The lot is recorded with another expiry date (receive)'),
      errorSpec(409, 'prescription_not_active', 'The prescription is expired or deleted'),
      notFound('lot'),
      notFound('prescription'),
    ],
    handler: async ({ state }) =>
      presentMovement(await bookMovement(state.actor, state.params.id, state.body)),
  }),
  route({
    method: 'GET',
    path: '/inventory/:id/movements',
    operationId: 'listInventoryMovements',
    summary: "An item's movement ledger, newest first",
    tags: ['inventory'],
    access: INVENTORY_POLICY.read,
    params: IdParams,
    query: ListMovementsQuery,
    response: ListOf(InventoryMovement),
    handler: async ({ state }) => {
      const page = await listMovements(state.actor, state.params.id, state.query);
      return { items: page.items.map(presentMovement), nextCursor: page.nextCursor };
    },
  }),
]);
