import { db } from '../../db/knex.js';
import { assertInventory } from '../access/policy.js';
import type { Actor } from '../auth/actor.js';
import { loadItem, type InventoryItem } from './item.js';

/** One live item with its lots; 404 when missing or deleted. */
export function getItem(actor: Actor, id: string): Promise<InventoryItem> {
  assertInventory(actor, 'read');
  return loadItem(db(), id);
}
