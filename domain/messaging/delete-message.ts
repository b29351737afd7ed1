import { withTransaction } from '../../db/transaction.js';
import { ConflictError, NotFoundError } from '../../lib/errors.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import {
  DELETE_WINDOW_MS,
  loadConversationFor,
  toMessageView,
  type MessageRow,
  type MessageView,
} from './conversation.js';
import { publishMessageEvent } from './message-events.js';

/**
 * Deletes the caller's own message within 5 minutes of sending it: the row stays as a tombstone
 * (text and attachment removed, `deletedAt` set) so positions and read marks stay exact, and the
 * participants' streams get a `message` event with the tombstone. Messages are never edited.
 * Someone else's message is 404; a message older than 5 minutes is 409 `delete_window_passed`;
 * deleting a tombstone again answers it unchanged.
 */
export async function deleteMessage(actor: Actor, messageId: string): Promise<MessageView> {
  return withTransaction(async (trx) => {
    const found = (await trx('messages').where({ id: messageId }).first('conversationId')) as
      { conversationId: string } | undefined;
    if (!found) throw new NotFoundError('message');
    const conversation = await loadConversationFor(trx, actor, found.conversationId, {
      lock: 'update',
    }).catch((err: unknown) => {
      throw err instanceof NotFoundError ? new NotFoundError('message') : err;
    });
    const message = (await trx('messages').where({ id: messageId }).forUpdate().first()) as MessageRow;
    if (message.senderId !== actor.userId) throw new NotFoundError('message');
    if (message.deletedAt) return toMessageView(message);
    if (Date.now() - new Date(message.createdAt).getTime() > DELETE_WINDOW_MS)
      throw new ConflictError(
        'delete_window_passed',
        'Messages can be deleted only within 5 minutes of sending.',
      );
    const [tombstone] = (await trx('messages')
      .where({ id: messageId })
      .update({ body: null, reportId: null, deletedAt: trx.fn.now() })
      .returning('*')) as MessageRow[];
    const userIds = (
      (await trx('conversationParticipants').where({ conversationId: conversation.id }).select('userId')) as {
        userId: string;
      }[]
    ).map((r) => r.userId);
    await publishMessageEvent(trx, {
      type: 'message',
      conversationId: conversation.id,
      messageId,
      userIds,
    });
    await recordAudit(
      actor,
      {
        entity: 'message',
        entityId: messageId,
        action: 'delete',
        outcome: 'success',
        patientId: conversation.patientId,
        details: { conversationId: conversation.id },
      },
      trx,
    );
    return toMessageView(tombstone);
  });
}
