import { withTransaction } from '../../db/transaction.js';
import { recordAudit } from '../audit/record-audit.js';
import type { Actor } from '../auth/actor.js';
import { toMessageView, type MessageRow, type MessageView } from './conversation.js';

/**
 * Re-reads a message for one recipient's live stream — the NOTIFY that announced it carries no
 * text — checking again that they take part in its conversation. The delivery is a read of the
 * conversation and is audited like one. Undefined when it is not theirs (or gone).
 */
export async function readMessageForStream(
  actor: Actor,
  messageId: string,
): Promise<MessageView | undefined> {
  return withTransaction(async (trx) => {
    const row = (await trx('messages as m')
      .join('conversationParticipants as cp', 'cp.conversationId', 'm.conversationId')
      .join('conversations as c', 'c.id', 'm.conversationId')
      .where({ 'm.id': messageId, 'cp.userId': actor.userId })
      .first('m.*', 'c.patientId as patientId')) as (MessageRow & { patientId: string }) | undefined;
    if (!row) return undefined;
    await recordAudit(
      actor,
      {
        entity: 'conversation',
        entityId: row.conversationId,
        action: 'stream',
        outcome: 'success',
        patientId: row.patientId,
        details: { messageId },
      },
      trx,
    );
    const { patientId: _patientId, ...message } = row;
    return toMessageView(message);
  });
}
