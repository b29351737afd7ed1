import { addJob } from '../../db/jobs.js';
import { withTransaction } from '../../db/transaction.js';
import { services } from '../../lib/services.js';
import { unreadCounts } from './conversation.js';

/**
 * Emails a participant that a message is waiting for them — at most once per stretch of unread
 * messages: when they still have unread messages and have not been emailed since they last read.
 * The email never carries message text, sender or patient, only a link to the conversation.
 * Safe to run twice: the participant row is locked, and the email's ledger key is the position the
 * email announces.
 * @returns whether an email was queued.
 */
export async function notifyUnreadMessage(conversationId: string, userId: string): Promise<boolean> {
  const { config } = services();
  return withTransaction(async (trx) => {
    const p = (await trx('conversationParticipants as cp')
      .join('users as u', 'u.id', 'cp.userId')
      .join('conversations as c', 'c.id', 'cp.conversationId')
      .where({ 'cp.conversationId': conversationId, 'cp.userId': userId })
      .forUpdate('cp')
      .first('cp.lastReadSeq', 'cp.notifiedSeq', 'c.lastSeq', 'u.email', 'u.name', 'u.status')) as
      | {
          lastReadSeq: string;
          notifiedSeq: string;
          lastSeq: string;
          email: string;
          name: string;
          status: string;
        }
      | undefined;
    if (!p || p.status !== 'active') return false;
    // Already emailed about this stretch: they have not read since.
    if (Number(p.notifiedSeq) > Number(p.lastReadSeq)) return false;
    const unread = (await unreadCounts(trx, userId, [conversationId])).get(conversationId) ?? 0;
    if (unread === 0) return false;
    await trx('conversationParticipants')
      .where({ conversationId, userId })
      .update({ notifiedSeq: p.lastSeq });
    await addJob(trx, 'send_email', {
      ledgerKey: `unread_message:${conversationId}:${userId}:${p.lastSeq}`,
      template: 'unread_message',
      to: p.email,
      vars: {
        recipientName: p.name,
        unreadCount: unread,
        conversationUrl: `${config.appUrl}/messages/${conversationId}`,
      },
    });
    return true;
  });
}
