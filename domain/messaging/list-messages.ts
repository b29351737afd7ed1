import { decodeCursor, toPage } from '../../db/pagination.js';
import { db } from '../../db/knex.js';
import { NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { loadConversationFor, toMessageView, type MessageRow, type MessageView } from './conversation.js';
import type { ListMessagesInput } from './schemas.js';

/**
 * A page of a conversation's messages for a participant: newest first (follow `nextCursor` for
 * older ones), or with `after` the messages that came after one message, oldest first (catching up
 * after a reconnect). Deleted messages stay in place as tombstones. Every read is audited, in a
 * statement of its own before the page is returned (see read-for-stream.ts for why).
 */
export async function listMessages(
  actor: Actor,
  conversationId: string,
  input: ListMessagesInput,
): Promise<{ items: MessageView[]; nextCursor: string | null }> {
  const limit = input.limit ?? 20;
  const trx = db();
  const conversation = await loadConversationFor(trx, actor, conversationId);
  const q = trx('messages')
    .where({ conversationId })
    .limit(limit + 1);
  let page: { items: MessageRow[]; nextCursor: string | null };
  if (input.after) {
    const after = (await trx('messages').where({ id: input.after, conversationId }).first('seq')) as
      { seq: string } | undefined;
    if (!after) throw new NotFoundError('message');
    const cursor = decodeCursor(input.cursor, 1);
    q.where('seq', '>', cursor ? cursor[0] : after.seq).orderBy('seq', 'asc');
    page = toPage((await q) as MessageRow[], limit, (m) => [Number(m.seq)]);
  } else {
    const cursor = decodeCursor(input.cursor, 1);
    if (cursor) q.where('seq', '<', cursor[0]);
    q.orderBy('seq', 'desc');
    page = toPage((await q) as MessageRow[], limit, (m) => [Number(m.seq)]);
  }
  await recordAudit(actor, {
    entity: 'conversation',
    entityId: conversationId,
    action: 'read',
    outcome: 'success',
    patientId: conversation.patientId,
    details: { messages: page.items.length },
  });
  return { items: page.items.map(toMessageView), nextCursor: page.nextCursor };
}
