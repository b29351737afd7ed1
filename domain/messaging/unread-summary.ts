import { db } from '../../db/knex.js';
import type { Actor } from '../auth/actor.js';
import { unreadCounts } from './conversation.js';

export interface UnreadSummary {
  count: number;
  conversations: { id: string; unreadCount: number }[];
}

/** The caller's unread messages: the total and each conversation that has some (no content, not audited). */
export async function unreadSummary(actor: Actor): Promise<UnreadSummary> {
  const counts = await unreadCounts(db(), actor.userId);
  const conversations = [...counts]
    .filter(([, n]) => n > 0)
    .map(([id, unreadCount]) => ({ id, unreadCount }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));
  return { count: conversations.reduce((s, c) => s + c.unreadCount, 0), conversations };
}
