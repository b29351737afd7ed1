import { db } from '../../db/knex.js';
import { decodeCursor, toPage } from '../../db/pagination.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import {
  participantsOf,
  toMessageView,
  unreadCounts,
  type ConversationRow,
  type ConversationView,
  type MessageRow,
} from './conversation.js';
import type { ListConversationsInput } from './schemas.js';

/**
 * The caller's conversations, most recently active first, each with its participants, the caller's
 * unread count and the last message. Only conversations the caller takes part in exist for them
 * (an admin's list is empty). Showing last messages reads the conversations: one audit row each.
 * The order moves as messages arrive, so a page boundary can repeat or skip a conversation that
 * became active in between; clients refresh from the top on a `message` event.
 */
export async function listConversations(
  actor: Actor,
  input: ListConversationsInput,
): Promise<{ items: ConversationView[]; nextCursor: string | null }> {
  const limit = input.limit ?? 20;
  const cursor = decodeCursor(input.cursor, 2);
  const q = db()('conversations as c')
    .join('conversationParticipants as cp', 'cp.conversationId', 'c.id')
    .where('cp.userId', actor.userId)
    .select('c.*', db().raw('coalesce(c.last_message_at, c.created_at) as activity_at'))
    .orderByRaw('coalesce(c.last_message_at, c.created_at) desc, c.id desc')
    .limit(limit + 1);
  if (input.patientId) q.where('c.patientId', input.patientId);
  if (cursor)
    q.whereRaw('(coalesce(c.last_message_at, c.created_at), c.id) < (?::timestamptz, ?::uuid)', cursor);
  const rows = (await q) as (ConversationRow & { activityAt: Date })[];
  const page = toPage(rows, limit, (r) => [new Date(r.activityAt).toISOString(), r.id]);
  const ids = page.items.map((r) => r.id);
  if (ids.length === 0) return { items: [], nextCursor: null };

  const trx = db();
  // One connection: the queries run one after another.
  const participants = await participantsOf(trx, ids);
  const unread = await unreadCounts(trx, actor.userId, ids);
  const lastMessages = (await trx('messages as m')
    .join('conversations as c', (j) => j.on('c.id', 'm.conversationId').andOn('c.lastSeq', 'm.seq'))
    .whereIn('m.conversationId', ids)
    .select('m.*')) as MessageRow[];
  const lastByConversation = new Map(lastMessages.map((m) => [m.conversationId, m]));
  for (const r of page.items) {
    await recordAudit(actor, {
      entity: 'conversation',
      entityId: r.id,
      action: 'list',
      outcome: 'success',
      patientId: r.patientId,
    });
  }
  return {
    items: page.items.map((r) => {
      const last = lastByConversation.get(r.id);
      return {
        id: r.id,
        patientId: r.patientId,
        ...(r.subject ? { subject: r.subject } : {}),
        participants: participants.get(r.id) ?? [],
        lastMessageAt: r.lastMessageAt ? new Date(r.lastMessageAt).toISOString() : null,
        unreadCount: unread.get(r.id) ?? 0,
        lastMessage: last ? toMessageView(last) : null,
      };
    }),
    nextCursor: page.nextCursor,
  };
}
