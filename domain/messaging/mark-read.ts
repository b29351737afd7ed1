import { addJob, removeJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { NotFoundError } from '../../lib/errors.js';
import { services } from '../../lib/services.js';
import type { Actor } from '../auth/actor.js';
import { loadConversationFor, unreadCounts, unreadEmailJobKey } from './conversation.js';
import { publishMessageEvent } from './message-events.js';
import type { MarkReadInput } from './schemas.js';

export interface ReadState {
  conversationId: string;
  /** The last message read (null in a conversation without messages). */
  lastReadMessageId: string | null;
  unreadCount: number;
}

/**
 * Marks the caller's messages of a conversation read up to `messageId` (default: the latest).
 * The read position only moves forward, so concurrent or out-of-order reads never un-read anything.
 * In the same transaction the pending "unread message" email is removed when nothing is left
 * unread, or moved to the oldest message still unread (plus the delay) when some are; and a `read`
 * event goes to the other participants' streams.
 */
export async function markRead(
  actor: Actor,
  conversationId: string,
  input: MarkReadInput,
): Promise<ReadState> {
  const { config } = services();
  return withTransaction(async (trx) => {
    const conversation = await loadConversationFor(trx, actor, conversationId, { lock: 'share' });
    let seq = Number(conversation.lastSeq);
    if (input.messageId) {
      const m = (await trx('messages').where({ id: input.messageId, conversationId }).first('seq')) as
        { seq: string } | undefined;
      if (!m) throw new NotFoundError('message');
      seq = Number(m.seq);
    }
    const [row] = (await trx('conversationParticipants')
      .where({ conversationId, userId: actor.userId })
      .update({ lastReadSeq: trx.raw('greatest(last_read_seq, ?)', [seq]) })
      .returning('lastReadSeq')) as { lastReadSeq: string }[];
    const position = Number(row.lastReadSeq);
    const unreadCount = (await unreadCounts(trx, actor.userId, [conversationId])).get(conversationId) ?? 0;
    const key = unreadEmailJobKey(conversationId, actor.userId);
    if (unreadCount === 0) {
      await removeJob(trx, key);
    } else {
      const oldest = (await trx('messages')
        .where({ conversationId })
        .where('seq', '>', position)
        .whereNot('senderId', actor.userId)
        .whereNull('deletedAt')
        .orderBy('seq')
        .first('createdAt')) as { createdAt: Date };
      const runAt = new Date(
        new Date(oldest.createdAt).getTime() + config.telehealth.messageEmailDelayMinutes * 60_000,
      );
      try {
        await addJob(
          trx,
          'notify_unread_message',
          { conversationId, userId: actor.userId },
          { jobKey: key, runAt },
        );
      } catch (err) {
        // No job under contention on the key (graphile-worker #580): the read itself must succeed.
        services().logger.warn({ err, conversationId }, 'unread-message email job not moved');
      }
    }
    const last = (await trx('messages').where({ conversationId, seq: position }).first('id')) as
      { id: string } | undefined;
    const userIds = (
      (await trx('conversationParticipants').where({ conversationId }).select('userId')) as {
        userId: string;
      }[]
    ).map((r) => r.userId);
    await publishMessageEvent(trx, {
      type: 'read',
      conversationId,
      userId: actor.userId,
      messageId: last?.id ?? null,
      userIds,
    });
    return { conversationId, lastReadMessageId: last?.id ?? null, unreadCount };
  });
}
